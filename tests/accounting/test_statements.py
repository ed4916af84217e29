"""Bank statements: importing one (all or nothing, never a transaction twice), the suggestions
per line (by reference, IBAN and amount, with reasons), confirming, part payments, splitting a
line, booking a fee, undoing; the screen and who may use it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import (
    BankStatement,
    BankStatementLine,
    BooksSettings,
    Invoice,
    JournalEntry,
    JournalLine,
    Reconciliation,
)
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.queries import statements as queries
from tandem.accounting.services import invoices, reconciliation, statements
from tandem.accounting.services.invoices import LineData
from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement, parse_statement
from tandem.core import invariants
from tandem.core.errors import BusinessError, Conflict, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account
from tests.web.support import signed_in

from .conftest import DAY, account, journal

D = Decimal
pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"
IBAN = "GB82WEST12345698765432"
ON = datetime.date(2026, 3, 20)


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    partner = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(partner, None, iban=IBAN)
    return partner


def _invoice(company: Company, partner: Partner, total: str, on: datetime.date = DAY) -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=partner, invoice_date=on,
        lines=[LineData("Oak table", D(1), D(total), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


@pytest.fixture
def two_invoices(company: Company, books: BooksSettings, customer: Partner) -> tuple[Invoice, Invoice]:
    first, second = _invoice(company, customer, "120.00"), _invoice(company, customer, "100.00")
    assert (first.number, second.number) == ("INV/2026/00001", "INV/2026/00002")  # named in the sample files
    return first, second


@pytest.fixture
def statement(company: Company, two_invoices: tuple[Invoice, Invoice], accountant: User) -> BankStatement:
    parsed = parse_statement((FILES / "statement.camt053.xml").read_bytes())
    return statements.import_statement(company, accountant, parsed, file_name="statement.xml")


def _lines(statement: BankStatement) -> list[BankStatementLine]:
    return list(
        statement.lines.select_related("statement__journal", "statement__company").order_by("sequence")
    )


def _left(invoice: Invoice) -> Decimal:
    return payment_queries.invoice_residuals([invoice.pk]).get(invoice.pk, D(0))


def _status(invoice: Invoice) -> str:
    return payment_queries.statuses([invoice], DAY)[invoice.pk][0]


def _item(invoice: Invoice) -> JournalLine:
    return JournalLine.objects.get(entry=invoice.entry, account__reconcilable=True)


def _make_statement(company: Company, *amounts: str, narration: str = "", start: str = "0") -> BankStatement:
    lines = [
        ParsedLine(ON, D(amount), "Kowalski sp. z o.o.", IBAN, "", narration, f"T-{n}-{amount}")
        for n, amount in enumerate(amounts)
    ]
    total = sum((line.amount for line in lines), D(0))
    parsed = ParsedStatement(
        CAMT053, f"S-{'-'.join(amounts)}", ON, "EUR", D(start), D(start) + total, "", lines
    )
    return statements.import_statement(company, None, parsed)


# --- importing -----------------------------------------------------------------------------


def test_a_statement_is_imported_unreconciled_with_partners_found_by_iban(
    statement: BankStatement, customer: Partner, company: Company
) -> None:
    assert statement.journal == journal(company, "BNK1") and statement.source == "camt053"
    assert (statement.balance_start, statement.balance_end, statement.name) == (
        D("1000"),
        D("1205.10"),
        "2026-054",
    )
    lines = _lines(statement)
    assert [line.amount for line in lines] == [D("120"), D("40"), D("-4.90"), D("30"), D("20")]
    assert [line.partner_id for line in lines] == [customer.pk, customer.pk, None, None, None]
    assert not any(line.entry_id for line in lines)
    assert Event.objects.filter(name="bank_statement.imported", data__lines=5).exists()


def test_a_transaction_imported_before_is_refused_and_nothing_is_written(
    statement: BankStatement, company: Company
) -> None:
    parsed = parse_statement((FILES / "statement.camt053.xml").read_bytes())
    with pytest.raises(statements.AlreadyImported, match="5 transactions of this file were imported already"):
        statements.import_statement(company, None, parsed)
    assert BankStatement.objects.count() == 1 and BankStatementLine.objects.count() == 5


def test_the_statement_must_be_the_journals_account_and_currency(
    company: Company, books: BooksSettings
) -> None:
    bank = journal(company, "BNK1")
    bank.bank_iban = "SI56191000000123438"
    bank.save()
    parsed = parse_statement((FILES / "statement.camt053.xml").read_bytes())
    with pytest.raises(ValidationFailed, match="is of account DE89370400440532013000"):
        statements.import_statement(company, None, parsed, journal=bank)
    parsed.account_iban, parsed.currency = "", "USD"
    with pytest.raises(ValidationFailed, match="is in USD"):
        statements.import_statement(company, None, parsed, journal=bank)
    with pytest.raises(ValidationFailed, match="bank journal"):
        statements.import_statement(company, None, parsed, journal=journal(company, "MISC"))
    assert not BankStatement.objects.exists()


# --- suggestions ---------------------------------------------------------------------------


def test_each_line_is_suggested_what_it_probably_pays_with_reasons(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice]
) -> None:
    first, second = two_invoices
    found = queries.suggest(_lines(statement))
    paid, part, fee, batch_a, _batch_b = (found[line.pk] for line in _lines(statement))
    assert paid.top is not None and paid.top.item == _item(first) and paid.top.full
    assert paid.top.score == queries.REFERENCE + queries.IBAN + queries.EXACT
    assert any("INV/2026/00001" in reason for reason in paid.top.reasons)
    assert part.top is not None and part.top.item == _item(second) and not part.top.full
    assert part.top.amount == D("40") and part.top.open_amount == D("100")
    assert any("INV/2026/00002" in reason for reason in part.top.reasons)  # written INV-2026-00002
    assert fee.suggestions == [] and batch_a.suggestions == []  # money out; a stranger's 30.00


def test_an_amount_alone_is_a_weak_suggestion_and_the_wrong_side_none(
    company: Company, books: BooksSettings, make_partner: Callable[..., Partner]
) -> None:
    stranger = make_partner("Nowak")
    invoice = _invoice(company, stranger, "77.00")
    incoming, outgoing = _lines(_make_statement(company, "77.00", "-77.00"))
    found = queries.suggest([incoming, outgoing])
    assert [s.item for s in found[incoming.pk].suggestions] == [_item(invoice)]
    assert found[incoming.pk].top.score == queries.EXACT  # type: ignore[union-attr]
    assert found[outgoing.pk].suggestions == []


# --- reconciling ---------------------------------------------------------------------------


def test_confirming_a_suggestion_books_the_bank_entry_and_pays_the_invoice(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice], company: Company, accountant: User
) -> None:
    first, _second = two_invoices
    line = statements.confirm_top(_lines(statement)[0], accountant)
    assert line.entry is not None and line.entry.state == "posted" and line.entry.origin == "statement"
    booked = {row.account.code: row for row in line.entry.lines.select_related("account")}
    assert (booked["1010"].debit, booked["1100"].credit) == (D("120"), D("120"))
    assert (_status(first), _left(first)) == ("paid", D(0))
    assert Event.objects.filter(name="bank_statement_line.matched", partner_id=first.partner_id).exists()
    with pytest.raises(Conflict, match="reconciled already"):
        statements.match_line(line, accountant, items=[_item(first).pk])
    assert not invariants.violations()


def test_a_part_payment_leaves_the_invoice_partly_paid(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice], accountant: User
) -> None:
    _first, second = two_invoices
    statements.match_line(_lines(statement)[1], accountant, items=[_item(second).pk])
    assert (_status(second), _left(second)) == ("partial", D("60"))
    assert not invariants.violations()


def test_a_line_is_split_across_invoices_and_the_rest_stays_on_account(
    company: Company, two_invoices: tuple[Invoice, Invoice], customer: Partner, accountant: User
) -> None:
    first, second = two_invoices
    (line,) = _lines(_make_statement(company, "250.00"))
    statements.match_line(
        line, accountant, items=[_item(first).pk, _item(second).pk], amounts=[D("120.00"), D("80.00")]
    )
    assert (_status(first), _left(second)) == ("paid", D("20"))
    assert payment_queries.open_balance(customer) == D("-30")  # 50 paid on account, 20 still owed
    assert Reconciliation.objects.count() == 2 and not invariants.violations()


def test_a_bad_split_is_refused_and_writes_nothing(
    company: Company, two_invoices: tuple[Invoice, Invoice], accountant: User
) -> None:
    first, second = two_invoices
    (line,) = _lines(_make_statement(company, "100.00"))
    bad: list[tuple[list[int], list[Decimal | None], type[BusinessError]]] = [
        ([_item(first).pk], [D("130.00")], reconciliation.Overpaid),  # more than is left of it
        ([_item(first).pk, _item(second).pk], [D("90.00"), D("20.00")], reconciliation.Overpaid),  # > line
        ([_item(first).pk], [D("-1")], ValidationFailed),
        ([_item(first).pk], [D("1.001")], ValidationFailed),
        ([_item(first).pk, _item(first).pk], [None, None], ValidationFailed),
        ([], [], reconciliation.NothingToMatch),
        ([999_999], [None], ValidationFailed),
    ]
    entries = JournalEntry.objects.count()
    for items, amounts, error in bad:
        with pytest.raises(error):
            statements.match_line(line, accountant, items=items, amounts=amounts)
    assert JournalEntry.objects.count() == entries and not Reconciliation.objects.exists()
    line.refresh_from_db()
    assert line.entry_id is None


def test_money_out_cannot_pay_a_customer_invoice(
    company: Company, two_invoices: tuple[Invoice, Invoice], accountant: User
) -> None:
    (line,) = _lines(_make_statement(company, "-120.00"))
    with pytest.raises(ValidationFailed, match="other side"):
        statements.match_line(line, accountant, items=[_item(two_invoices[0]).pk])


def test_a_fee_is_booked_to_an_account_and_undone(
    statement: BankStatement, company: Company, accountant: User
) -> None:
    fee = _lines(statement)[2]
    booked = statements.book_line(fee, accountant, account=account(company, "6400"), label="Bank fee")
    lines = {row.account.code: row for row in booked.entry.lines.select_related("account")}  # type: ignore[union-attr]
    assert (lines["1010"].credit, lines["6400"].debit, lines["6400"].label) == (
        D("4.90"),
        D("4.90"),
        "Bank fee",
    )
    assert booked.counter_account == account(company, "6400")
    with pytest.raises(ValidationFailed):
        statements.book_line(_lines(statement)[3], accountant, account=account(company, "1010"))
    with pytest.raises(ValidationFailed, match="open items"):
        statements.book_line(_lines(statement)[3], accountant, account=account(company, "1100"))
    undone = statements.undo_line(booked, accountant)
    assert undone.entry_id is None and undone.counter_account_id is None
    assert JournalEntry.objects.filter(origin="reversal").count() == 1
    assert not invariants.violations()


def test_undoing_a_match_opens_the_invoice_again_and_it_can_be_matched_again(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice], accountant: User
) -> None:
    first, _second = two_invoices
    line = statements.confirm_top(_lines(statement)[0], accountant)
    line = statements.undo_line(line, accountant)
    assert line.entry_id is None and (_status(first), _left(first)) == ("not_paid", D("120"))
    with pytest.raises(Conflict, match="nothing to undo"):
        statements.undo_line(line, accountant)
    again = statements.confirm_top(_lines(statement)[0], accountant)
    assert again.entry is not None and _status(first) == "paid"
    assert not invariants.violations()


def test_a_statement_is_removed_only_while_nothing_of_it_is_reconciled(
    statement: BankStatement, accountant: User
) -> None:
    statements.confirm_top(_lines(statement)[0], accountant)
    with pytest.raises(BusinessError, match="undo them first"):
        statements.delete_statement(statement, accountant)
    statements.undo_line(_lines(statement)[0], accountant)
    statements.delete_statement(statement, accountant)
    assert not BankStatement.objects.exists() and not BankStatementLine.objects.exists()


# --- the screen ----------------------------------------------------------------------------


def test_the_accountant_reconciles_on_the_statements_page(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice], accountant: User
) -> None:
    client = signed_in(accountant)
    listing = client.get(reverse("accounting:statement_list")).content.decode()
    assert "2026-054" in listing and "0 / 5" in listing
    page = client.get(statement.get_absolute_url()).content.decode()
    assert "data-confirm-top" in page and "INV/2026/00001" in page and "part payment" in page
    assert "reconcile.js" in page
    first = _lines(statement)[0]
    answer = client.post(
        reverse("accounting:statement_line_match", args=[first.pk]),
        {"item": _item(two_invoices[0]).pk},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and f'id="line-{first.pk}"' in answer.content.decode()
    assert "data-undo" in answer.content.decode() and _status(two_invoices[0]) == "paid"
    refused = client.post(
        reverse("accounting:statement_line_match", args=[_lines(statement)[1].pk]),
        {"item": _item(two_invoices[1]).pk, f"amount-{_item(two_invoices[1]).pk}": "500"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 200 and "data-line-error" in refused.content.decode()
    form = client.get(reverse("accounting:statement_line_form", args=[_lines(statement)[2].pk, "book"]))
    assert form.status_code == 200 and "data-book-form" in form.content.decode()
    split = client.get(reverse("accounting:statement_line_form", args=[_lines(statement)[1].pk, "split"]))
    assert "INV/2026/00002" in split.content.decode()


def test_a_file_is_uploaded_on_the_page_and_a_bad_one_is_refused(
    company: Company, books: BooksSettings, accountant: User
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(accountant)
    url = reverse("accounting:statement_create")
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.7 nothing")})
    assert bad.status_code == 200 and "does not know this file" in bad.content.decode()
    assert not BankStatement.objects.exists()
    csv = client.post(url, {"file": SimpleUploadedFile("x.csv", b"a;b;c\n1;2;3\n4;5;6\n")})
    assert "Bank statement lines" in csv.content.decode()
    sample = (FILES / "statement.mt940").read_bytes()
    done = client.post(url, {"file": SimpleUploadedFile("march.sta", sample)})
    statement = BankStatement.objects.get()
    assert done.status_code == 302 and done["Location"] == statement.get_absolute_url()
    assert statement.source == "mt940" and statement.file_name == "march.sta"


def test_a_salesperson_and_another_company_see_no_statements(
    statement: BankStatement, salesperson: User, other_company: Company, make_user: Callable[..., Any]
) -> None:
    client = signed_in(salesperson)
    assert client.get(reverse("accounting:statement_list")).status_code == 403
    assert client.get(statement.get_absolute_url()).status_code == 403
    line = _lines(statement)[0]
    assert (
        client.post(reverse("accounting:statement_line_match", args=[line.pk]), {"item": "1"}).status_code
        == 403
    )
    from tandem.core import roles

    outsider = make_user("olga", roles.ACCOUNTANT, company=other_company)
    theirs = signed_in(outsider)
    assert theirs.get(statement.get_absolute_url()).status_code == 404
    assert theirs.post(reverse("accounting:statement_line_undo", args=[line.pk])).status_code == 404
    assert theirs.get(reverse("accounting:statement_line_form", args=[line.pk, "split"])).status_code == 404
    line.refresh_from_db()
    assert line.entry_id is None


def test_an_auditor_reads_statements_but_reconciles_nothing(
    statement: BankStatement, two_invoices: tuple[Invoice, Invoice], make_user: Callable[..., Any]
) -> None:
    from tandem.accounting.roles import AUDITOR

    client = signed_in(make_user("audrey", AUDITOR))
    page = client.get(statement.get_absolute_url())
    assert page.status_code == 200 and "INV/2026/00001" in page.content.decode()
    assert "data-confirm-top" not in page.content.decode() and "data-split" not in page.content.decode()
    line = _lines(statement)[0]
    match = reverse("accounting:statement_line_match", args=[line.pk])
    assert client.post(match, {"item": _item(two_invoices[0]).pk}).status_code == 403
    assert client.get(reverse("accounting:statement_line_form", args=[line.pk, "book"])).status_code == 403
    line.refresh_from_db()
    assert line.entry_id is None


def test_items_are_read_oldest_due_first_and_without_a_due_date_by_their_date(
    company: Company, two_invoices: tuple[Invoice, Invoice]
) -> None:
    """Suggestions read the first open items in the open-item index's order, the same on every
    database: by due date, and an item with none (a payment on account) by its date."""
    first, second = two_invoices
    JournalLine.objects.filter(pk=_item(first).pk).update(due_date=None)  # as on a payment's line
    JournalLine.objects.filter(pk=_item(second).pk).update(due_date=DAY + datetime.timedelta(days=30))
    assert [item.pk for item in queries.candidate_items(company)] == [_item(first).pk, _item(second).pk]
    JournalLine.objects.filter(pk=_item(second).pk).update(due_date=DAY - datetime.timedelta(days=5))
    assert [item.pk for item in queries.candidate_items(company)] == [_item(second).pk, _item(first).pk]
