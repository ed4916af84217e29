"""Payment pages from the kit's declared cases, and "register a payment" on an invoice's page
(a new payment in full or in part, or one already received matched), with unreconcile."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import Account, Invoice, Journal, Payment, Reconciliation
from tandem.accounting.queries import payments as queries
from tandem.accounting.services import charts, invoices, payments
from tandem.accounting.services.invoices import LineData
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases, form_data, signed_in

DAY = datetime.date(2026, 3, 10)
REFERENCES = itertools.count(1)
D = Decimal


def books_of(company: Company) -> None:
    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs", today=DAY)


def bank(company: Company) -> Journal:
    return Journal.objects.get(company=company, code="BNK1")


def customer_of(company: Company, actor: User | None = None) -> Partner:
    found = Partner.objects.filter(company=company, name=f"Customer of {company.code}").first()
    return found or create_partner(company, actor, name=f"Customer of {company.code}", allow_duplicate=True)


def make_payment(company: Company, actor: User | None, **fields: Any) -> Payment:
    books_of(company)
    fields.setdefault("reference", f"PAY-{next(REFERENCES)}")
    return payments.create_payment(
        company, actor, direction=fields.pop("direction", "inbound"), journal=bank(company), date=DAY,
        amount=fields.pop("amount", D("25.00")), partner=customer_of(company, actor), **fields,
    )  # fmt: skip


def posted_invoice(company: Company, total: str = "100.00", kind: str = "customer_invoice") -> Invoice:
    books_of(company)
    draft = invoices.create_invoice(
        company, None, kind=kind, partner=customer_of(company), invoice_date=DAY,
        lines=[LineData("Oak table", D(1), D(total), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


class TestPaymentPages(ViewCases):
    model = Payment
    namespace = "accounting"
    url_prefix = "payment_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    name_field = "reference"
    create_data: dict[str, Any] = {
        "direction": "inbound", "date": "2026-03-10", "amount": "40.00", "reference": "NEW-PAY-1",
    }  # fmt: skip
    edit_changes = {"reference": "Paid for order 12"}
    stale_changes = {"reference": "Someone else's reference"}
    bad_input = [({"amount": "-3"}, "amount"), ({"date": "not a date"}, "date")]
    actions = [
        Action("accounting:payment_post", lambda kit, payment: {"confirmed": "1"}, "payment.posted"),
        Action("accounting:payment_delete", lambda kit, payment: {"confirmed": "1"}, "payment.deleted"),
    ]

    @pytest.fixture(autouse=True)
    def _books(self, company: Company, other_company: Company) -> None:
        books_of(company), books_of(other_company)
        customer_of(company)

    def make(self, company: Company, actor: User | None, **fields: Any) -> Payment:
        return make_payment(company, actor, **fields)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **self.create_data,
            "partner": str(customer_of(kit.company).pk),
            "journal": str(bank(kit.company).pk),
        }


@pytest.fixture
def accountant(make_user: Any, company: Company) -> User:
    books_of(company)
    return make_user("ada", roles.ACCOUNTANT)


def test_register_a_partial_payment_on_the_invoice_page_then_the_rest(
    company: Company, accountant: User
) -> None:
    invoice = posted_invoice(company, "100.00")
    client = signed_in(accountant)
    page = client.get(invoice.get_absolute_url()).content.decode()
    url = reverse("accounting:invoice_register_payment", args=[invoice.pk])
    assert url in page and "Overdue" in page and "100.00 EUR" in page
    form = client.get(url)
    assert form.status_code == 200 and form.context["form"].initial["amount"] == D("100.00")
    answer = client.post(url, {"journal": bank(company).pk, "date": "2026-03-20", "amount": "30.00"})
    assert answer.status_code == 302 and answer["Location"] == invoice.get_absolute_url()
    payment = Payment.objects.get(company=company)
    assert (payment.state, payment.direction, payment.amount) == ("posted", "inbound", D("30.00"))
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "70.00 EUR" in page and payment.number in page
    # The rest, with nothing typed: what is left.
    assert client.post(url, {"journal": bank(company).pk, "date": "2026-03-25"}).status_code == 302
    assert queries.invoice_residuals([invoice.pk])[invoice.pk] == D(0)
    page = client.get(invoice.get_absolute_url()).content.decode()
    assert "register-payment" not in page  # nothing left to pay


def test_paying_more_than_is_due_is_refused_on_the_form_and_writes_nothing(
    company: Company, accountant: User
) -> None:
    invoice = posted_invoice(company, "100.00")
    url = reverse("accounting:invoice_register_payment", args=[invoice.pk])
    answer = signed_in(accountant).post(
        url, {"journal": bank(company).pk, "date": "2026-03-20", "amount": "150"}
    )
    assert answer.status_code == 200 and "more than is due" in answer.content.decode()
    assert not Payment.objects.exists() and not Reconciliation.objects.exists()
    missing = signed_in(accountant).post(url, {"date": "2026-03-20"})
    assert missing.status_code == 200 and "journal" in missing.context["form"].errors


def test_a_payment_received_earlier_is_matched_from_the_invoice_page_and_unreconciled(
    company: Company, accountant: User
) -> None:
    earlier = payments.post_payment(make_payment(company, accountant, amount=D("60.00")), accountant)
    invoice = posted_invoice(company, "100.00")
    client = signed_in(accountant)
    url = reverse("accounting:invoice_register_payment", args=[invoice.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["payment"].queryset) == [earlier]
    assert client.post(url, {"payment": earlier.pk, "date": "2026-03-20"}).status_code == 302
    assert queries.invoice_residuals([invoice.pk])[invoice.pk] == D("40.00")
    # On the payment's page: its match, and the button that undoes it.
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert invoice.number in page
    row = Reconciliation.objects.get()
    undo = reverse("accounting:reconciliation_unreconcile", args=[row.pk])
    assert undo in page
    assert client.post(undo).status_code == 200  # asks first
    done = client.post(undo, {"confirmed": "1", "next": earlier.get_absolute_url()})
    assert done.status_code == 302 and done["Location"] == earlier.get_absolute_url()
    assert not Reconciliation.objects.exists()
    assert queries.invoice_residuals([invoice.pk])[invoice.pk] == D("100.00")


def test_only_accountants_register_payments_and_another_companys_invoice_is_not_found(
    company: Company, other_company: Company, accountant: User, make_user: Any
) -> None:
    invoice = posted_invoice(company)
    foreign = posted_invoice(other_company)
    url = reverse("accounting:invoice_register_payment", args=[invoice.pk])
    data = {"journal": bank(company).pk, "date": "2026-03-20"}
    for role in (roles.SALESPERSON, book_roles.AUDITOR):
        someone = signed_in(make_user(f"u-{role}", role))
        assert someone.get(url).status_code == 403
        assert someone.post(url, data).status_code == 403
        assert someone.get(reverse("accounting:payment_create")).status_code == 403
    assert (
        signed_in(make_user("sam", roles.SALESPERSON)).get(reverse("accounting:payment_list")).status_code
        == 403
    )
    client = signed_in(accountant)
    assert client.get(reverse("accounting:invoice_register_payment", args=[foreign.pk])).status_code == 404
    assert (
        client.post(reverse("accounting:invoice_register_payment", args=[foreign.pk]), data).status_code
        == 404
    )
    assert not Payment.objects.exists()


def test_the_payments_menu_entry_and_the_card_link_to_the_pages(company: Company, accountant: User) -> None:
    payment = payments.post_payment(make_payment(company, accountant), accountant)
    client = signed_in(accountant)
    home = client.get(reverse("home")).content.decode()
    assert reverse("accounting:payment_list") in home
    card = client.get(reverse("partners:detail", args=[payment.partner_id])).content.decode()  # type: ignore[arg-type]
    assert payment.get_absolute_url() in card
    assert form_data  # the kit's helper is imported for the declared cases


def test_the_payment_screens_write_off_takes_a_label_or_says_why(company: Company, accountant: User) -> None:
    """Paying 100.40 of a 100.00 invoice with the write-off ticked books the 0.40 to the
    settings' write-off account under the label typed; left empty, the label says why."""
    from tandem.accounting.models import BooksSettings, JournalLine

    BooksSettings.objects.filter(company=company).update(write_off_tolerance=D("1.00"))
    client = signed_in(accountant)
    form = client.get(reverse("accounting:invoice_register_payment", args=[posted_invoice(company).pk]))
    assert "write_off_label" in form.context["form"].fields
    labels = []
    for typed in ("Rounding by the customer's bank", ""):
        invoice = posted_invoice(company, "100.00")
        url = reverse("accounting:invoice_register_payment", args=[invoice.pk])
        body = {"journal": bank(company).pk, "date": "2026-03-20", "amount": "100.40", "write_off": "on"}
        answer = client.post(url, {**body, "write_off_label": typed})
        assert answer.status_code == 302, answer.content.decode()[:3000]
        assert queries.invoice_residuals([invoice.pk])[invoice.pk] == D(0)
        account = BooksSettings.objects.get(company=company).write_off_account
        written = JournalLine.objects.filter(company=company, account=account).latest("pk")
        labels.append((written.label, written.credit))
    assert labels == [("Rounding by the customer's bank", D("0.40")), ("Write-off: paid over", D("0.40"))]
