"""An accountant's morning with the bank: yesterday's statement arrives as a CAMT.053 file; she
uploads it, confirms the payment the screen suggests (the customer named the invoice), takes
a part payment as one, books the bank's fee, settles an invoice its customer's bank short-paid
by a fee of its own (the difference written off to bank charges, so the invoice is paid), and
sees the aged receivables fall by what came in — ending with every ledger invariant (the
``invariants`` fixture runs them after this story)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tandem.accounting.models import Account, BankStatement, Invoice, JournalLine
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.queries import reports
from tandem.accounting.services import charts, invoices
from tandem.accounting.services.invoices import LineData
from tandem.core import invariants, roles
from tandem.core.models import Company, Event, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.kit.views import form_data, signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)
STATEMENT = Path(__file__).parents[1] / "accounting" / "files" / "statement.camt053.xml"


def _owed(company: Company) -> Decimal:
    params = reports.Params(company, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    return reports.aged_receivables(params).totals["balance"]


def test_an_accountant_reconciles_yesterdays_bank_statement(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner]
) -> None:
    ada = make_user("ada", roles.ACCOUNTANT)
    charts.install_chart(company, ada, "ifrs", today=DAY)
    kowalski = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(kowalski, ada, iban="GB82 WEST 1234 5698 7654 32")
    sent = []
    for total in ("120.00", "100.00"):
        draft = invoices.create_invoice(
            company, ada, kind="customer_invoice", partner=kowalski, invoice_date=DAY,
            lines=[LineData("Oak desk", Decimal(1), Decimal(total), taxes=[])],
        )  # fmt: skip
        sent.append(invoices.post_invoice(draft, ada))
    first, second = sent
    assert _owed(company) == Decimal("220.00")
    client = signed_in(ada)

    # The bank's file, uploaded on the statements page.
    upload = client.post(
        reverse("accounting:statement_create"),
        {"file": SimpleUploadedFile("2026-054.xml", STATEMENT.read_bytes())},
    )
    statement = BankStatement.objects.get()
    assert upload["Location"] == statement.get_absolute_url()
    page = client.get(statement.get_absolute_url()).content.decode()
    assert "5 lines to reconcile" in page and "INV/2026/00001" in page
    paid, part, fee = list(statement.lines.order_by("sequence"))[:3]

    # Enter on the first line: the suggestion it shows first is the invoice the customer named.
    top = page.split(f'id="line-{paid.pk}"')[1].split('name="item" value="')[1].split('"')[0]
    assert int(top) == JournalLine.objects.get(entry=first.entry, account__reconcilable=True).pk
    hx = {"HX-Request": "true"}
    answered = client.post(
        reverse("accounting:statement_line_match", args=[paid.pk]), {"item": top}, headers=hx
    )
    assert "data-undo" in answered.content.decode()

    # The customer paid 40 of the second invoice: taken as a part payment.
    item = JournalLine.objects.get(entry=second.entry, account__reconcilable=True).pk
    client.post(reverse("accounting:statement_line_match", args=[part.pk]), {"item": item}, headers=hx)
    left = payment_queries.statuses([first, second], DAY)
    assert left[first.pk] == ("paid", Decimal(0)) and left[second.pk] == ("partial", Decimal("60"))

    # The bank's fee goes to bank charges.
    charges = Account.objects.get(company=company, code="6400")
    booked = client.post(
        reverse("accounting:statement_line_book", args=[fee.pk]),
        {"account": charges.pk, "label": "Bank fee March"},
        headers=hx,
    )
    assert "Bank fee" not in booked.content.decode() or "data-undo" in booked.content.decode()
    fee.refresh_from_db()
    assert fee.counter_account == charges and fee.entry is not None

    # Meble Nowak paid its invoice for order 55 (30.40) with 30.00: its bank kept a fee. The
    # company writes off differences up to 1 EUR; she settles the invoice and books the 0.40
    # to bank charges rather than chase forty cents.
    nowak = make_partner("Meble Nowak", country="PL")
    draft = invoices.create_invoice(
        company, ada, kind="customer_invoice", partner=nowak, invoice_date=DAY, payment_reference="Order 55",
        lines=[LineData("Oak shelf", Decimal(1), Decimal("30.40"), taxes=[])],
    )  # fmt: skip
    order_55 = invoices.post_invoice(draft, ada)
    books = reverse("accounting:books_settings_edit")
    saved = client.post(
        books, {**form_data(client.get(books).context["form"]), "write_off_tolerance": "1.00"}
    )
    assert saved.status_code == 302
    short = statement.lines.get(sequence=4)
    split = client.get(reverse("accounting:statement_line_form", args=[short.pk, "split"])).content.decode()
    assert order_55.number in split and "data-write-off" in split
    item = JournalLine.objects.get(entry=order_55.entry, account__reconcilable=True).pk
    written = client.post(
        reverse("accounting:statement_line_write_off", args=[short.pk]),
        {"item": item, "write_off_account": charges.pk, "write_off_label": "Nowak's bank fee"},
        headers=hx,
    )
    assert "data-undo" in written.content.decode()
    assert payment_queries.statuses([order_55], DAY)[order_55.pk] == ("paid", Decimal(0))
    fees = JournalLine.objects.filter(account=charges, posted=True).order_by("pk")
    assert [(line.debit, line.label) for line in fees][-1] == (Decimal("0.40"), "Nowak's bank fee")

    # What customers owe fell by what came in; the bank account moved by what was reconciled.
    assert _owed(company) == Decimal("60.00")
    bank = JournalLine.objects.filter(account__code="1010", posted=True)
    assert sum((line.debit - line.credit for line in bank), Decimal(0)) == Decimal("185.10")
    assert Invoice.objects.get(pk=second.pk).state == "posted"
    timeline = set(Event.objects.filter(partner_id=kowalski.pk).values_list("name", flat=True))
    assert "bank_statement_line.matched" in timeline
    assert not invariants.violations()
