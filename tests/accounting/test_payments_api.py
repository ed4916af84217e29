"""Payments and reconciliations over the API and on the partner card: accountants only,
another company's records are not found, the card shows balances under record rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting import queries as accounting
from tandem.accounting.models import BooksSettings, Invoice, JournalLine, Payment
from tandem.accounting.services import invoices
from tandem.accounting.services.invoices import LineData
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tests.kit.api import api_client
from tests.web.support import signed_in

from .conftest import DAY, journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner], salesperson: User
) -> Invoice:
    customer = make_partner("Api Customer d.o.o.", owner=salesperson)
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY,
        lines=[LineData("Desk", Decimal(1), Decimal("120.00"), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def test_an_accountant_posts_a_payment_and_reconciles_it(accountant: User, invoice: Invoice) -> None:
    client = api_client(accountant)
    body = {
        "direction": "inbound", "journal": journal(invoice.company, "BNK1").pk, "partner": invoice.partner_id,
        "date": "2026-03-20", "amount": "120.00",
    }  # fmt: skip
    created = client.post("/api/v1/accounting/payments/", body, format="json")
    assert created.status_code == 201, created.content
    posted = client.post(f"/api/v1/accounting/payments/{created.json()['id']}/post/")
    assert posted.status_code == 200 and posted.json()["state"] == "posted" and posted.json()["number"]
    payment = Payment.objects.get()
    lines = [
        *JournalLine.objects.filter(entry=invoice.entry, account__reconcilable=True),
        *JournalLine.objects.filter(entry=payment.entry, account__reconcilable=True),
    ]
    matched = client.post(
        "/api/v1/accounting/reconciliations/", {"lines": [ln.pk for ln in lines]}, format="json"
    )
    assert matched.status_code == 201 and matched.json()[0]["amount"] == "120.0000"
    assert accounting.open_balance(invoice.partner) == Decimal(0)
    removed = client.post(f"/api/v1/accounting/reconciliations/{matched.json()[0]['id']}/unreconcile/")
    assert removed.status_code == 204 and accounting.open_balance(invoice.partner) == Decimal(0)
    again = client.post("/api/v1/accounting/reconciliations/", {"lines": [lines[0].pk]}, format="json")
    assert again.status_code == 400


def test_a_salesperson_sees_no_books_but_the_balance_of_their_customer(
    salesperson: User, invoice: Invoice
) -> None:
    assert api_client(salesperson).get("/api/v1/accounting/payments/").status_code == 403
    page = signed_in(salesperson).get(f"/partners/{invoice.partner_id}/").content.decode()
    assert "Open balance" in page and "120" in page


def test_another_companys_payments_are_not_found(
    accountant: User, invoice: Invoice, other_company: Company, make_user: Callable[..., User]
) -> None:
    from tandem.accounting.services import charts, payments

    charts.install_chart(other_company, None, "ifrs", today=DAY)
    theirs = payments.create_payment(
        other_company, None, direction="inbound", journal=journal(other_company, "BNK1"), date=DAY,
        amount=Decimal("5.00"),
    )  # fmt: skip
    client = api_client(accountant)
    assert client.get(f"/api/v1/accounting/payments/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/accounting/payments/{theirs.pk}/post/").status_code == 404
    assert theirs.pk not in [
        row["id"] for row in client.get("/api/v1/accounting/payments/").json()["results"]
    ]


def test_the_card_shows_invoices_with_their_payment_status(accountant: User, invoice: Invoice) -> None:
    page = signed_in(accountant).get(f"/partners/{invoice.partner_id}/").content.decode()
    assert invoice.number in page and "Overdue" in page and "No payments yet." in page  # due on 2026-03-10
