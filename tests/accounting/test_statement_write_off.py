"""A bank line that pays open items but for a small difference (a bank fee, rounding, a
customer paying 99.50 of 100): matched with the difference written off to a chosen account,
so the invoices are paid — within the company's tolerance, refused otherwise with nothing
written; on the statement screen and over the API, for those who may reconcile only, and
never with another company's records."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import (
    BankStatementLine,
    BooksSettings,
    Invoice,
    JournalEntry,
    JournalLine,
    Reconciliation,
)
from tandem.accounting.queries import payments as payment_queries
from tandem.accounting.services import invoices, ledger, reconciliation, statements
from tandem.accounting.services.invoices import LineData
from tandem.accounting.services.statement_files import CAMT053, ParsedLine, ParsedStatement
from tandem.core import invariants, roles
from tandem.core.errors import BusinessError, Conflict, ValidationFailed
from tandem.core.models import Company, Currency, Event, ExchangeRate, User
from tandem.partners.models import Partner
from tandem.partners.services import add_bank_account, create_partner
from tests.kit.api import api_client
from tests.web.support import signed_in

from .conftest import DAY, account, books_of

D = Decimal
pytestmark = pytest.mark.django_db
ON = datetime.date(2026, 3, 20)
LINES = "/api/v1/accounting/bank-statement-lines/"
IBAN = "GB82WEST12345698765432"


@pytest.fixture
def tolerant(books: BooksSettings) -> BooksSettings:
    books.write_off_tolerance = D("1.00")
    books.save()
    return books


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    partner = make_partner("Kowalski sp. z o.o.", country="PL")
    add_bank_account(partner, None, iban=IBAN)
    return partner


def _invoice(company: Company, partner: Partner, total: str, kind: str = "customer_invoice") -> Invoice:
    draft = invoices.create_invoice(
        company, None, kind=kind, partner=partner, invoice_date=DAY,
        lines=[LineData("Oak table", D(1), D(total), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def _line(company: Company, amount: str, name: str = "S-1") -> BankStatementLine:
    parsed = ParsedStatement(
        CAMT053, name, ON, "EUR", D(0), D(amount),
        "", [ParsedLine(ON, D(amount), "Kowalski sp. z o.o.", IBAN, "INV", "", f"{name}-T")],
    )  # fmt: skip
    statement = statements.import_statement(company, None, parsed)
    return statement.lines.select_related("statement__journal", "statement__company").get()


def _item(invoice: Invoice) -> JournalLine:
    return JournalLine.objects.get(entry=invoice.entry, account__reconcilable=True)


def _status(invoice: Invoice) -> tuple[str, Decimal]:
    return payment_queries.statuses([invoice], DAY)[invoice.pk]


def _booked(line: BankStatementLine) -> dict[str, tuple[Decimal, Decimal, str]]:
    assert line.entry is not None
    rows = line.entry.lines.select_related("account")
    return {row.account.code: (row.debit, row.credit, row.label) for row in rows}


def _nothing_written(line: BankStatementLine, entries: int) -> None:
    line.refresh_from_db()
    assert line.entry_id is None and JournalEntry.objects.count() == entries
    assert not Reconciliation.objects.exists()


# --- the service ---------------------------------------------------------------------------


def test_a_customer_paying_99_50_of_100_is_paid_with_the_fee_written_off(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = statements.match_with_write_off(
        _line(company, "99.50"), accountant, items=[_item(invoice).pk],
        account=account(company, "6400"), label="  Bank   fee ",
    )  # fmt: skip
    assert _status(invoice) == ("paid", D(0))
    assert _booked(line) == {
        "1010": (D("99.50"), D(0), "Kowalski sp. z o.o. · INV"),
        "1100": (D(0), D("100.00"), "Kowalski sp. z o.o. · INV"),
        "6400": (D("0.50"), D(0), "Bank fee"),
    }
    assert line.entry is not None and line.entry.state == "posted" and line.entry.origin == "statement"
    assert line.partner_id == customer.pk and line.counter_account_id is None
    assert payment_queries.open_balance(customer) == D(0)
    event = Event.objects.get(name="bank_statement_line.written_off")
    assert (event.data["write_off"], event.data["account"], event.data["amounts"]) == (
        "0.50",
        "6400",
        ["100.00"],
    )
    assert not invariants.violations()
    with pytest.raises(Conflict, match="reconciled already"):
        statements.match_with_write_off(
            line, accountant, items=[_item(invoice).pk], account=account(company, "6400")
        )


def test_paying_a_little_more_writes_the_difference_off_as_income_and_two_invoices_are_paid(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    first, second = _invoice(company, customer, "120.00"), _invoice(company, customer, "100.00")
    line = statements.match_with_write_off(
        _line(company, "220.30"), accountant, items=[_item(first).pk, _item(second).pk],
        account=account(company, "6850"),
    )  # fmt: skip
    assert _status(first)[0] == _status(second)[0] == "paid"
    booked = _booked(line)
    assert booked["1010"][:2] == (D("220.30"), D(0)) and booked["6850"] == (D(0), D("0.30"), "Write-off")
    assert payment_queries.open_balance(customer) == D(0) and Reconciliation.objects.count() == 2
    assert not invariants.violations()


def test_a_supplier_bill_paid_short_by_a_rounding_cent(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    bill = _invoice(company, customer, "50.01", kind="supplier_bill")
    line = statements.match_with_write_off(
        _line(company, "-50.00"), accountant, items=[_item(bill).pk], account=account(company, "6850")
    )
    assert _status(bill) == ("paid", D(0))
    booked = _booked(line)
    assert (booked["1010"][1], booked["6850"][1]) == (D("50.00"), D("0.01"))  # the cent kept is a gain
    assert not invariants.violations()


def test_a_foreign_invoice_paid_a_little_short_in_euros_is_paid_in_both_currencies(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User, eur: Currency
) -> None:
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(base=usd, quote=eur, date=DAY, rate=D("0.9"))
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY, currency=usd,
        lines=[LineData("Oak table", D(1), D("100.00"), taxes=[])],
    )  # fmt: skip
    invoice = invoices.post_invoice(draft, None)
    line = statements.match_with_write_off(
        _line(company, "89.60"), accountant, items=[_item(invoice).pk], account=account(company, "6400")
    )
    assert _booked(line)["6400"][:2] == (D("0.40"), D(0))  # 100 USD were booked at 90.00 EUR
    assert _status(invoice) == ("paid", D(0))
    item = payment_queries.with_residuals(JournalLine.objects.filter(pk=_item(invoice).pk)).get()
    assert (item.residual, item.residual_currency) == (0, 0)  # type: ignore[attr-defined]
    assert not invariants.violations()


def test_undoing_a_write_off_opens_the_invoice_again_in_full(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = statements.match_with_write_off(
        _line(company, "99.50"), accountant, items=[_item(invoice).pk], account=account(company, "6400")
    )
    undone = statements.undo_line(line, accountant)
    assert undone.entry_id is None and _status(invoice) == ("not_paid", D("100.00"))
    again = statements.match_line(undone, accountant, items=[_item(invoice).pk])
    assert again.entry_id is not None and _status(invoice) == ("partial", D("0.50"))
    assert not invariants.violations()


def test_refusals_are_clear_and_write_nothing(
    company: Company,
    other_company: Company,
    tolerant: BooksSettings,
    customer: Partner,
    accountant: User,
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = _line(company, "99.50")
    books_of(other_company)
    theirs = _invoice(other_company, create_partner(other_company, None, name="Elsewhere customer"), "100.00")
    archived = account(company, "6500")
    archived.active = False
    archived.save()
    entries = JournalEntry.objects.count()
    fee = account(company, "6400")
    bad: list[tuple[dict[str, Any], type[BusinessError], str]] = [
        ({"account": None}, ValidationFailed, "Choose the account"),
        ({"account": account(other_company, "6400")}, ValidationFailed, "another company"),
        ({"account": account(company, "1100")}, ValidationFailed, "not to a receivable or payable"),
        ({"account": account(company, "1010")}, ValidationFailed, "bank account itself"),
        ({"account": archived}, ValidationFailed, "archived"),
        ({"account": fee, "label": "x" * 201}, ValidationFailed, "200 characters"),
        ({"account": fee, "items": [_item(theirs).pk]}, ValidationFailed, "does not exist"),
        ({"account": fee, "items": []}, reconciliation.NothingToMatch, "Choose the open items"),
        ({"account": fee, "items": [_item(invoice).pk] * 2}, ValidationFailed, "Each open item once"),
    ]
    for extra, error, message in bad:
        kwargs: dict[str, Any] = {"items": [_item(invoice).pk], "account": fee, **extra}
        with pytest.raises(error) as raised:
            statements.match_with_write_off(line, accountant, **kwargs)
        assert message in str(raised.value.args[0]) or message in str(getattr(raised.value, "errors", ""))
    _nothing_written(line, entries)
    assert _status(invoice) == ("not_paid", D("100.00")) and _status(theirs) == ("not_paid", D("100.00"))


def test_a_difference_over_the_tolerance_or_none_at_all_is_refused(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    entries = JournalEntry.objects.count()
    short = _line(company, "98.99", "S-short")
    with pytest.raises(
        reconciliation.Overpaid, match=r"1\.01 EUR is more than the write-off tolerance of 1\.00"
    ):
        statements.match_with_write_off(
            short, accountant, items=[_item(invoice).pk], account=account(company, "6400")
        )
    exact = _line(company, "100.00", "S-exact")
    with pytest.raises(reconciliation.NothingToMatch, match="nothing to write off"):
        statements.match_with_write_off(
            exact, accountant, items=[_item(invoice).pk], account=account(company, "6400")
        )
    tolerant.write_off_tolerance = D(0)
    tolerant.save()
    cent = _line(company, "99.99", "S-cent")
    with pytest.raises(reconciliation.Overpaid, match="tolerance of 0"):
        statements.match_with_write_off(
            cent, accountant, items=[_item(invoice).pk], account=account(company, "6400")
        )
    for line in (short, exact, cent):
        _nothing_written(line, entries)


def test_money_out_cannot_write_off_a_customer_invoice(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    with pytest.raises(ValidationFailed, match="other side"):
        statements.match_with_write_off(
            _line(company, "-99.50"), accountant, items=[_item(invoice).pk], account=account(company, "6400")
        )


# --- the screen ----------------------------------------------------------------------------


def test_the_accountant_writes_off_on_the_statement_screen(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = _line(company, "99.50")
    client = signed_in(accountant)
    split = client.get(reverse("accounting:statement_line_form", args=[line.pk, "split"])).content.decode()
    assert "data-write-off" in split and "1.00 EUR" in split
    assert f'<option value="{tolerant.write_off_account_id}" selected' in split  # the company's account first
    url = reverse("accounting:statement_line_write_off", args=[line.pk])
    refused = client.post(
        url, {"item": _item(invoice).pk, "write_off_account": ""}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 200 and "data-line-error" in refused.content.decode()
    assert "Choose the account the difference is written off to" in refused.content.decode()
    done = client.post(
        url,
        {
            "item": _item(invoice).pk,
            "write_off_account": account(company, "6400").pk,
            "write_off_label": "Fee",
        },
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200 and "data-undo" in done.content.decode()
    assert _status(invoice) == ("paid", D(0))


def test_a_suggestion_within_the_tolerance_is_written_off_with_one_click(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = _line(company, "99.50")
    client = signed_in(accountant)
    page = client.get(line.statement.get_absolute_url()).content.decode()
    assert "data-write-off-suggestion" in page and "Write off 0.50" in page
    tolerant.write_off_tolerance = D("0.40")
    tolerant.save()
    assert "data-write-off-suggestion" not in client.get(line.statement.get_absolute_url()).content.decode()
    tolerant.write_off_tolerance = D("0.50")
    tolerant.save()
    done = client.post(
        reverse("accounting:statement_line_write_off", args=[line.pk]),
        {"item": _item(invoice).pk, "write_off_account": tolerant.write_off_account_id},
        headers={"HX-Request": "true"},
    )
    assert "data-undo" in done.content.decode() and _status(invoice) == ("paid", D(0))
    assert _booked(BankStatementLine.objects.get(pk=line.pk))["6850"] == (D("0.50"), D(0), "Write-off")


def test_only_those_who_reconcile_and_only_in_their_company_may_write_off(
    company: Company,
    other_company: Company,
    tolerant: BooksSettings,
    customer: Partner,
    salesperson: User,
    make_user: Callable[..., User],
) -> None:
    from tandem.accounting.roles import AUDITOR

    invoice = _invoice(company, customer, "100.00")
    line = _line(company, "99.50")
    url = reverse("accounting:statement_line_write_off", args=[line.pk])
    data = {"item": _item(invoice).pk, "write_off_account": account(company, "6400").pk}
    assert signed_in(salesperson).post(url, data).status_code == 403
    auditor = make_user("audrey", AUDITOR)
    assert signed_in(auditor).post(url, data).status_code == 403
    api_body = {"items": [_item(invoice).pk], "account": account(company, "6400").pk}
    for reader in (auditor, salesperson):
        assert (
            api_client(reader).post(f"{LINES}{line.pk}/write-off/", api_body, format="json").status_code
            == 403
        )
    outsider = make_user("olga", roles.ACCOUNTANT, company=other_company)
    assert signed_in(outsider).post(url, data).status_code == 404
    assert (
        api_client(outsider)
        .post(f"{LINES}{line.pk}/write-off/", {"items": [_item(invoice).pk]}, format="json")
        .status_code
        == 404
    )
    line.refresh_from_db()
    assert line.entry_id is None and _status(invoice) == ("not_paid", D("100.00"))


# --- the API -------------------------------------------------------------------------------


def test_the_api_writes_off_and_refuses_bad_input_as_problems(
    company: Company,
    other_company: Company,
    tolerant: BooksSettings,
    customer: Partner,
    accountant: User,
) -> None:
    invoice = _invoice(company, customer, "100.00")
    line = _line(company, "99.50")
    client = api_client(accountant)
    url = f"{LINES}{line.pk}/write-off/"
    books_of(other_company)
    entries = JournalEntry.objects.count()
    for body in (
        {"items": [_item(invoice).pk]},  # no account
        {"items": [_item(invoice).pk], "account": account(other_company, "6400").pk},
        {"items": [_item(invoice).pk], "account": account(company, "6400").pk, "label": "x" * 201},
        {"items": ["1; DROP TABLE x"], "account": account(company, "6400").pk},
        {"items": [_item(invoice).pk], "account": account(company, "6400").pk, "amounts": ["1"]},
    ):
        answer = client.post(url, body, format="json")
        assert answer.status_code in (400, 422), (body, answer.content)
    assert (
        "Choose the account"
        in client.post(url, {"items": [_item(invoice).pk]}, format="json").content.decode()
    )
    _nothing_written(line, entries)
    done = client.post(
        url,
        {"items": [_item(invoice).pk], "account": account(company, "6400").pk, "label": "Fee"},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["entry"] is not None and _status(invoice) == ("paid", D(0))
    again = client.post(
        url, {"items": [_item(invoice).pk], "account": account(company, "6400").pk}, format="json"
    )
    assert again.status_code == 409


# --- a statement in a foreign currency -----------------------------------------------------

USD_IBAN = "GB33BUKB20201555555555"


def _dollar_line(company: Company, amount: str) -> BankStatementLine:
    """A line of a dollar account's statement on ON, when a dollar buys 0.95 EUR."""
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.get_or_create(
        base=usd, quote=company.currency, date=ON, defaults={"rate": D("0.95")}
    )
    dollars = ledger.create_account(
        company, None, code="1015", name="Bank USD", type="asset", subtype="bank", currency=usd
    )
    ledger.create_journal(
        company, None, code="BUSD", name="Bank USD", kind="bank", default_account=dollars, currency=usd,
        bank_iban=USD_IBAN,
    )  # fmt: skip
    parsed = ParsedStatement(
        CAMT053, "USD-1", ON, "USD", D(0), D(amount),
        USD_IBAN, [ParsedLine(ON, D(amount), "Kowalski sp. z o.o.", IBAN, "INV", "", "USD-1-T")],
    )  # fmt: skip
    statement = statements.import_statement(company, None, parsed)
    return statement.lines.select_related("statement__journal", "statement__company").get()


def _dollar_invoice(company: Company, customer: Partner) -> Invoice:
    """100 USD invoiced on DAY, when a dollar bought 0.90 EUR: 90.00 EUR receivable."""
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.get_or_create(
        base=usd, quote=company.currency, date=DAY, defaults={"rate": D("0.9")}
    )
    draft = invoices.create_invoice(
        company, None, kind="customer_invoice", partner=customer, invoice_date=DAY, currency=usd,
        lines=[LineData("Oak table", D(1), D("100.00"), taxes=[])],
    )  # fmt: skip
    return invoices.post_invoice(draft, None)


def test_a_dollar_line_writes_off_in_dollars_at_its_rate_and_realises_the_exchange_gain(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    """99.50 USD paid on ON of a 100 USD invoice: the 0.50 USD difference is written off at ON's
    rate (the invoice's 95.00 EUR at it less the bank's 94.53: 0.47), the invoice is settled at
    ON's rate too (95.00 EUR of the 90.00 booked) and the 5.00 EUR gain goes to the exchange gain
    account through the match's exchange entry — not into the write-off."""
    invoice = _dollar_invoice(company, customer)
    line = _dollar_line(company, "99.50")
    client = signed_in(accountant)
    page = client.get(line.statement.get_absolute_url()).content.decode()
    assert "data-write-off-suggestion" in page and "Write off 0.50" in page  # in the line's dollars
    done = client.post(
        reverse("accounting:statement_line_write_off", args=[line.pk]),
        {"item": _item(invoice).pk, "write_off_account": tolerant.write_off_account_id},
        headers={"HX-Request": "true"},
    )
    assert "data-undo" in done.content.decode(), done.content.decode()[:2000]
    line.refresh_from_db()
    assert line.entry is not None
    written = line.entry.lines.get(account=tolerant.write_off_account)
    assert (written.debit, written.credit, written.amount_currency) == (D("0.47"), D(0), D("0.50"))
    assert written.currency_id == "USD"
    assert _status(invoice) == ("paid", D(0))
    gain = JournalLine.objects.filter(account=tolerant.exchange_gain_account, posted=True)
    assert sum((row.credit - row.debit for row in gain), D(0)) == D("5.00")
    assert not invariants.violations()


def test_a_dollar_difference_over_the_tolerance_in_euros_is_not_offered(
    company: Company, tolerant: BooksSettings, customer: Partner, accountant: User
) -> None:
    tolerant.write_off_tolerance = D("0.40")  # 0.50 USD is 0.48 EUR: over it
    tolerant.save()
    _dollar_invoice(company, customer)
    line = _dollar_line(company, "99.50")
    page = signed_in(accountant).get(line.statement.get_absolute_url()).content.decode()
    assert "data-write-off-suggestion" not in page
