"""Review findings on the books, each pinned: a paid invoice is not cancelled, unreconciling a
write-off undoes it, a reversed entry leaves no open item, and the auditor role ships."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tandem.accounting import roles as book_roles
from tandem.accounting.models import BooksSettings, Invoice, JournalEntry, JournalLine, Reconciliation
from tandem.accounting.queries import payments as queries
from tandem.accounting.queries import reports
from tandem.accounting.services import invoices, ledger, payments, reconciliation
from tandem.accounting.services.invoices import LineData
from tandem.core.models import Company, Event, User
from tandem.core.roles import role_label
from tandem.partners.models import Partner
from tests.kit.views import signed_in

from .conftest import DAY, account, journal

D = Decimal
pytestmark = pytest.mark.django_db
LATER = DAY + datetime.timedelta(days=45)


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Kowalski sp. z o.o.", country="PL")


@pytest.fixture
def make_invoice(company: Company, books: BooksSettings, customer: Partner) -> Callable[..., Invoice]:
    def make(total: str = "100.00", **extra: object) -> Invoice:
        draft = invoices.create_invoice(
            company, None, kind=str(extra.pop("kind", "customer_invoice")), partner=customer,
            invoice_date=DAY, lines=[LineData("Oak table", D(1), D(total), taxes=[])], **extra,
        )  # fmt: skip
        return invoices.post_invoice(draft, None)

    return make


def _residual(invoice: Invoice) -> Decimal:
    return queries.invoice_residuals([invoice.pk]).get(invoice.pk, D(0))


def _open_lines(*entries: JournalEntry) -> list[JournalLine]:
    return list(queries.open_items(JournalLine.objects.filter(entry__in=[e.pk for e in entries])))


# --- a: a paid invoice is not cancelled ------------------------------------------------------


def test_cancelling_an_invoice_with_matched_payments_is_refused_and_writes_nothing(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice], accountant: User
) -> None:
    invoice = make_invoice("100.00")
    _payment, made = payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("40.00")
    )
    entries, events = JournalEntry.objects.count(), Event.objects.count()
    with pytest.raises(invoices.InvoiceMatched, match="unreconcile them first"):
        invoices.cancel_invoice(invoice, accountant)
    invoice.refresh_from_db()
    assert invoice.state == "posted" and _residual(invoice) == D("60.00")
    assert (JournalEntry.objects.count(), Event.objects.count()) == (entries, events)

    # The page says so too, and nothing changes.
    client = signed_in(accountant)
    url = reverse("accounting:invoice_cancel", args=[invoice.pk])
    answer = client.post(url, {"confirmed": "1"}, follow=True)
    assert "unreconcile them first" in answer.content.decode()
    invoice.refresh_from_db()
    assert invoice.state == "posted" and JournalEntry.objects.count() == entries

    for row in made:  # as in Odoo: unreconcile, then cancel
        reconciliation.unreconcile(row, accountant)
    assert invoices.cancel_invoice(invoice, accountant).state == "cancelled"


# --- b: unreconciling a write-off undoes it ----------------------------------------------------


@pytest.mark.parametrize("undo", ["payment", "write-off"])
def test_unreconciling_a_match_with_a_write_off_reverses_the_write_off(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice], books: BooksSettings,
    undo: str,
) -> None:  # fmt: skip
    books.write_off_tolerance = D("1.00")
    books.save()
    invoice = make_invoice("100.00")
    write_off_account = account(company, "6850")
    payment, made = payments.register_payment(
        [invoice], None, journal=journal(company, "BNK1"), date=DAY, amount=D("99.10"), write_off=True
    )
    assert _residual(invoice) == D(0)
    written = JournalLine.objects.get(account=write_off_account)
    assert written.debit == D("0.90")
    payment_line = payments.partner_line(payment)
    chosen = next(row for row in made if (row.credit_line_id == payment_line.pk) == (undo == "payment"))
    reconciliation.unreconcile(chosen, None)

    # As before the reconciliation: the invoice owes 100, the payment is 99.10 of credit,
    # nothing is written off any more and no write-off line is left open.
    assert _residual(invoice) == D("100.00")
    paid = queries.with_residuals(JournalLine.objects.filter(pk=payment_line.pk)).get()
    assert paid.residual == D("-99.10")  # type: ignore[attr-defined]
    assert queries.open_balance(customer) == D("0.90")
    assert ledger_balance(write_off_account) == D(0)
    write_off_entry = written.entry
    reversal = JournalEntry.objects.get(reversal_of=write_off_entry)
    assert not _open_lines(write_off_entry, reversal)
    assert not Reconciliation.objects.filter(credit_line=payment_line).exists()
    # …and the payment can be matched again, this time in part.
    again = reconciliation.reconcile([*_invoice_lines(invoice), payment_line], None)
    assert sum((row.amount for row in again), D(0)) == D("99.10") and _residual(invoice) == D("0.90")


def ledger_balance(account_row: object) -> Decimal:
    lines = JournalLine.objects.filter(account=account_row, posted=True)
    return sum((line.debit - line.credit for line in lines), D(0))


def _invoice_lines(invoice: Invoice) -> list[JournalLine]:
    return list(JournalLine.objects.filter(entry=invoice.entry, account__reconcilable=True))


# --- c: a reversed entry leaves no open item ---------------------------------------------------


def test_a_cancelled_invoice_leaves_no_open_item_nor_overdue_balance(
    company: Company, customer: Partner, make_invoice: Callable[..., Invoice]
) -> None:
    invoice = invoices.cancel_invoice(make_invoice("100.00"), None)
    assert invoice.entry is not None
    reversal = JournalEntry.objects.get(reversal_of=invoice.entry)
    assert not _open_lines(invoice.entry, reversal)
    assert queries.overdue(customer, today=LATER) == D(0)
    assert queries.open_balance(customer) == D(0)
    params = reports.Params(company, DAY.replace(day=1), LATER)
    assert not reports.open_items(params, "receivable", LATER).exclude(residual=0).exists()
    assert not [row for row in reports.aged_receivables(params).rows if not row.total]


def test_reversing_an_entry_on_the_ledger_matches_its_open_items_too(
    company: Company, customer: Partner, books: BooksSettings
) -> None:
    receivable = books.receivable_account
    assert receivable is not None
    entry = ledger.create_entry(
        company, None, journal=journal(company, "MISC"), date=DAY,
        lines=[
            ledger.Line(receivable, debit=D("70.00"), partner=customer, due_date=DAY),
            ledger.Line(account(company, "4000"), credit=D("70.00")),
        ],
    )  # fmt: skip
    ledger.post_entry(entry, None)
    # A part of it is paid first: only what is left is matched with the reversal, and the
    # reversal's rest is the customer's credit for what they paid.
    paid = payments.post_payment(
        payments.create_payment(
            company, None, direction="inbound", journal=journal(company, "BNK1"), date=DAY,
            amount=D("30.00"), partner=customer,
        ),
        None,
    )  # fmt: skip
    own = JournalLine.objects.get(entry=entry, account=receivable)
    reconciliation.reconcile([own, payments.partner_line(paid)], None)
    reversal = ledger.reverse_entry(entry, None)
    items = _open_lines(entry, reversal)
    assert [(line.entry_id, line.residual) for line in items] == [(reversal.pk, D("-30.00"))]  # type: ignore[attr-defined]
    assert queries.open_balance(customer) == D("-30.00") and queries.overdue(customer, today=LATER) == D(0)


def test_a_cancelled_payment_still_leaves_no_open_item(
    company: Company, customer: Partner, books: BooksSettings
) -> None:
    payment = payments.post_payment(
        payments.create_payment(
            company, None, direction="inbound", journal=journal(company, "BNK1"), date=DAY,
            amount=D("12.00"), partner=customer,
        ),
        None,
    )  # fmt: skip
    payments.cancel_payment(payment, None)
    assert payment.entry is not None
    assert not _open_lines(payment.entry, JournalEntry.objects.get(reversal_of=payment.entry))


# --- d: the auditor role ships ----------------------------------------------------------------


def test_the_auditor_role_ships_and_reads_the_books_without_posting(
    company: Company, make_user: Callable[..., User], make_invoice: Callable[..., Invoice]
) -> None:
    group = Group.objects.get(name=book_roles.AUDITOR)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames and all(name.startswith("view_") for name in codenames)
    assert {"view_journalline", "view_invoice", "view_payment", "view_reconciliation"} <= codenames
    auditor = make_user("aud", book_roles.AUDITOR)
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=Partner.objects.filter(company=company).first(),  # type: ignore[arg-type]
        invoice_date=DAY, lines=[LineData("Chair", D(1), D("10.00"), taxes=[])],
    )  # fmt: skip
    client = signed_in(auditor)
    assert client.get(reverse("accounting:invoice_list")).status_code == 200
    assert client.get(reverse("accounting:invoice_detail", args=[draft.pk])).status_code == 200
    assert client.get(reverse("accounting:report", args=["trial-balance"])).status_code == 200
    assert client.get(reverse("accounting:entry_list")).status_code == 200
    posting = client.post(reverse("accounting:invoice_post", args=[draft.pk]), {"confirmed": "1"})
    assert posting.status_code == 403
    assert client.get(reverse("accounting:invoice_create")).status_code == 403
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert role_label(book_roles.AUDITOR) == "Auditor"
