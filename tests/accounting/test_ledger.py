"""Posting, numbering, reversal, the lock date, periods and revaluation: the ledger's rules."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting.models import BooksSettings, JournalEntry, JournalLine, Period
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger
from tandem.core import invariants
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import Company, Currency, Event, ExchangeRate, SequenceCounter, User
from tests.accounting.conftest import DAY, account

pytestmark = pytest.mark.django_db
Entry = Callable[..., JournalEntry]


def test_posting_numbers_the_entry_per_journal_and_year_and_marks_its_lines(
    make_entry: Entry, accountant: User
) -> None:
    first, second = make_entry(), make_entry("5.00")
    ledger.post_entry(second, accountant)
    ledger.post_entry(first, accountant)
    first.refresh_from_db()
    assert (second.number, first.number) == ("MISC/2026/00001", "MISC/2026/00002")
    assert first.state == "posted" and first.posted_by == accountant and first.posted_at is not None
    assert set(first.lines.values_list("posted", flat=True)) == {True}
    event = Event.objects.get(name="entry.posted", subject_id=str(first.pk))
    assert event.data["number"] == "MISC/2026/00002" and event.data["total"] == "100.00"
    next_year = make_entry(on=datetime.date(2027, 1, 5))
    with pytest.raises(ledger.LockedDate):
        ledger.post_entry(next_year, accountant)


def test_an_unbalanced_entry_is_refused_and_nothing_is_written(company: Company, make_entry: Entry) -> None:
    lines = [
        ledger.Line(account(company, "1010"), debit=Decimal("100.00")),
        ledger.Line(account(company, "4000"), credit=Decimal("99.99")),
    ]
    with pytest.raises(ledger.UnbalancedEntry, match="does not balance"):
        make_entry(lines=lines)
    assert not JournalEntry.objects.exists() and not JournalLine.objects.exists()
    with pytest.raises(ValidationFailed):
        make_entry(lines=[ledger.Line(account(company, "1010"), debit=Decimal(1), credit=Decimal(1))] * 2)
    with pytest.raises(ValidationFailed):
        make_entry(lines=[ledger.Line(account(company, "1010"), debit=1.5)] * 2)  # type: ignore[arg-type]
    assert not JournalEntry.objects.exists()


def test_posting_on_or_before_the_lock_date_is_refused_and_changes_nothing(
    company: Company, make_entry: Entry, accountant: User, admin: User
) -> None:
    ledger.move_lock_date(company, admin, DAY)
    entry = make_entry()  # a draft may be dated anywhere; posting it is what the lock refuses
    with pytest.raises(ledger.LockedDate, match="locked up to 2026-03-10"):
        ledger.post_entry(entry, accountant)
    entry.refresh_from_db()
    assert (entry.state, entry.number) == ("draft", "")
    assert not SequenceCounter.objects.exists()
    assert not JournalLine.objects.filter(posted=True).exists()


def test_only_an_administrator_moves_the_lock_date_and_it_is_logged(
    company: Company, books: BooksSettings, accountant: User, admin: User, make_entry: Entry
) -> None:
    with pytest.raises(NotAllowed):
        ledger.move_lock_date(company, accountant, DAY)
    make_entry()
    with pytest.raises(ValidationFailed, match="Draft entries"):
        ledger.move_lock_date(company, admin, DAY)
    ledger.move_lock_date(company, admin, DAY - datetime.timedelta(days=1))
    event = Event.objects.get(name="books.lock_date_moved")
    assert event.data == {"lock_date": [None, "2026-03-09"]} and event.actor == admin


def test_a_posted_entry_never_changes_a_reversal_mirrors_it(
    company: Company, make_entry: Entry, accountant: User
) -> None:
    entry = ledger.post_entry(make_entry(), accountant)
    with pytest.raises(ledger.EntryPosted):
        ledger.update_entry(entry, accountant, reference="changed")
    with pytest.raises(ledger.EntryPosted):
        ledger.delete_entry(entry, accountant)
    reversal = ledger.reverse_entry(entry, accountant, date=DAY + datetime.timedelta(days=1))
    assert (
        reversal.state == "posted" and reversal.reversal_of == entry and reversal.number == "MISC/2026/00002"
    )
    bank = account(company, "1010")
    assert queries.balance(JournalLine.objects.filter(account=bank, posted=True)) == 0
    with pytest.raises(Exception, match="reversed already"):
        ledger.reverse_entry(entry, accountant)
    assert invariants.violations() == {}


def test_a_draft_changes_with_its_lines(company: Company, make_entry: Entry, accountant: User) -> None:
    entry = make_entry()
    lines = [
        ledger.Line(account(company, "1000"), debit=Decimal("30")),
        ledger.Line(account(company, "4100"), credit=Decimal("30")),
    ]
    changed = ledger.update_entry(
        entry, accountant, date=DAY.replace(day=20), lines=lines, expected_version=1
    )
    assert changed.version == 2
    assert list(changed.lines.values_list("account__code", "date")) == [
        ("1000", DAY.replace(day=20)),
        ("4100", DAY.replace(day=20)),
    ]


def test_a_closed_period_refuses_postings(company: Company, make_entry: Entry, accountant: User) -> None:
    period = Period.objects.get(company=company, start=DAY.replace(day=1))
    draft = make_entry()
    with pytest.raises(Exception, match="draft entries"):
        ledger.close_period(period, accountant)
    ledger.delete_entry(draft, accountant)
    ledger.close_period(period, accountant)
    with pytest.raises(ledger.LockedDate, match="closed"):
        ledger.post_entry(make_entry(), accountant)
    ledger.reopen_period(period, accountant)
    assert ledger.post_entry(JournalEntry.objects.get(state="draft"), accountant).state == "posted"


def test_foreign_lines_convert_at_the_rate_of_the_date_and_revaluation_restates_them(
    company: Company, books: BooksSettings, make_entry: Entry, accountant: User
) -> None:
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(base=usd, quote=company.currency, date=DAY, rate=Decimal("0.9"))
    receivable = account(company, "1100")
    entry = make_entry(
        lines=[
            ledger.Line(receivable, currency=usd, amount_currency=Decimal("1000")),
            ledger.Line(account(company, "4000"), credit=Decimal("900.00")),
        ]
    )
    assert entry.lines.get(account=receivable).debit == Decimal("900.00")
    ledger.post_entry(entry, accountant)
    month_end = datetime.date(2026, 3, 31)
    ExchangeRate.objects.create(base=usd, quote=company.currency, date=month_end, rate=Decimal("0.95"))
    revaluation = ledger.revalue(company, accountant, month_end)
    assert revaluation is not None and revaluation.origin == "revaluation"
    restated = JournalLine.objects.filter(account=receivable, posted=True, date__lte=month_end)
    assert queries.balance(restated) == Decimal("950.00")
    gain = JournalLine.objects.get(entry=revaluation, account=books.exchange_gain_account)
    assert gain.credit == Decimal("50.00")
    assert revaluation.reversed_by.date == datetime.date(2026, 4, 1)  # type: ignore[attr-defined]
    assert queries.balance(JournalLine.objects.filter(account=receivable, posted=True)) == Decimal("900.00")
    assert invariants.violations() == {}
