"""The period-end revaluation as a scheduled job: for the companies whose accounting settings
ask for it, the open foreign-currency items are revalued at the end of the period just ended —
once per period (not again by the next day's run, nor after a revaluation by hand), never into
a locked date, each company's own items only, and one company's missing exchange accounts
stopping no other."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting import jobs as accounting_jobs
from tandem.accounting.models import BooksSettings, JournalEntry, JournalLine
from tandem.accounting.queries import ledger as queries
from tandem.accounting.services import ledger
from tandem.core import roles
from tandem.core.jobs import services as jobs
from tandem.core.models import Company, Currency, Event, ExchangeRate
from tests.accounting.conftest import DAY, account, books_of, journal
from tests.kit.views import form_data, signed_in

pytestmark = pytest.mark.django_db
MONTH_END = datetime.date(2026, 3, 31)
NEXT_DAY = datetime.date(2026, 4, 1)


def _foreign_receivable(company: Company, amount: str = "1000") -> JournalEntry:
    """``amount`` USD owed at 0.90 on DAY; the rate is 0.95 at the month's end."""
    usd = Currency.objects.get(code="USD")
    for on, rate in ((DAY, "0.9"), (MONTH_END, "0.95")):
        ExchangeRate.objects.get_or_create(
            base=usd, quote=company.currency, date=on, defaults={"rate": Decimal(rate)}
        )
    entry = ledger.create_entry(
        company,
        None,
        journal=journal(company, "MISC"),
        date=DAY,
        lines=[
            ledger.Line(account(company, "1100"), currency=usd, amount_currency=Decimal(amount)),
            ledger.Line(account(company, "4000"), credit=Decimal(amount) * Decimal("0.9")),
        ],
    )
    return ledger.post_entry(entry, None)


def _opt_in(books: BooksSettings) -> BooksSettings:
    return ledger.update_books_settings(books, None, revalue_at_period_end=True)


def _revaluations(company: Company) -> int:
    return JournalEntry.objects.filter(company=company, origin=JournalEntry.Origin.REVALUATION).count()


def _receivable_at(company: Company, on: datetime.date) -> Decimal:
    lines = JournalLine.objects.filter(account=account(company, "1100"), posted=True, date__lte=on)
    return queries.balance(lines)


@pytest.fixture
def next_day(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr(accounting_jobs.timezone, "localdate", lambda: NEXT_DAY)
    return NEXT_DAY


def test_the_job_revalues_at_the_period_end_once(
    company: Company, books: BooksSettings, next_day: datetime.date
) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    assert "accounting.period_end_revaluation" in {schedule.name for schedule in jobs.schedules()}
    message = accounting_jobs.revalue_at_period_end()
    assert "1 entries posted" in str(message)
    revaluation = JournalEntry.objects.get(origin=JournalEntry.Origin.REVALUATION, reversal_of__isnull=True)
    assert revaluation.date == MONTH_END and revaluation.state == "posted"
    assert _receivable_at(company, MONTH_END) == Decimal("950.00")
    assert _receivable_at(company, NEXT_DAY) == Decimal("900.00")  # reversed the next day
    books.refresh_from_db()
    assert books.revalued_on == MONTH_END and books.version == 2  # the opt-in only, not the run

    again = accounting_jobs.revalue_at_period_end()  # the next day's run, or a second worker
    assert "1 revalued already" in str(again)
    assert _revaluations(company) == 1 and Event.objects.filter(name="books.revalued").count() == 1


def test_a_revaluation_by_hand_at_the_period_end_is_not_repeated(
    company: Company, books: BooksSettings
) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    ledger.revalue(company, None, MONTH_END)
    outcome = ledger.revalue_period_end(company, None, NEXT_DAY)
    assert outcome == ledger.PeriodEnd(MONTH_END, "done") and _revaluations(company) == 1
    assert ledger.revalue_period_end(company, None, datetime.date(2026, 4, 20)).outcome == "done"
    may = ledger.revalue_period_end(company, None, datetime.date(2026, 5, 2))
    # March's revaluation was reversed on April 1: April's end restates the item again
    assert (may.date, may.outcome) == (datetime.date(2026, 4, 30), "posted") and _revaluations(company) == 2
    assert _receivable_at(company, datetime.date(2026, 4, 30)) == Decimal("950.00")
    assert ledger.revalue_period_end(company, None, datetime.date(2026, 5, 3)).outcome == "done"


def test_a_locked_period_end_is_left_alone_and_nothing_is_written(
    company: Company, books: BooksSettings, make_user: Any
) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    ledger.move_lock_date(company, make_user("root", roles.ADMINISTRATOR), MONTH_END)
    assert ledger.revalue_period_end(company, None, NEXT_DAY) == ledger.PeriodEnd(MONTH_END, "locked")
    early = ledger.revalue_period_end(
        company, None, datetime.date(2026, 1, 15)
    )  # before the first fiscal year's first month ended
    assert early == ledger.PeriodEnd(datetime.date(2025, 12, 31), "locked")
    books.refresh_from_db()
    assert _revaluations(company) == 0 and books.revalued_on is None


def test_only_companies_that_ask_are_revalued_each_its_own_and_one_refusal_stops_no_other(
    company: Company, other_company: Company, books: BooksSettings, next_day: datetime.date, eur: Currency
) -> None:
    from tandem.core.services import create_company

    _foreign_receivable(company)
    theirs = books_of(other_company)
    _foreign_receivable(other_company, "2000")
    third = create_company(name="Third Ltd", code="third", currency=eur, country="SI")
    _opt_in(ledger.update_books_settings(books_of(third), None, exchange_journal=None))
    _opt_in(theirs)
    message = str(accounting_jobs.revalue_at_period_end())  # ours did not ask
    assert "1 entries posted" in message and "1 refused" in message
    assert _revaluations(company) == 0 and _receivable_at(company, MONTH_END) == Decimal("900.00")
    assert _revaluations(other_company) == 1 and _receivable_at(other_company, MONTH_END) == Decimal(
        "1900.00"
    )
    rows = JournalLine.objects.filter(entry__origin=JournalEntry.Origin.REVALUATION)
    assert set(rows.values_list("company_id", flat=True)) == {other_company.pk}


def test_the_accountant_asks_for_it_on_the_settings_page(
    company: Company, books: BooksSettings, make_user: Any
) -> None:
    client = signed_in(make_user("ada", roles.ACCOUNTANT))
    url = reverse("accounting:books_settings_edit")
    data = form_data(client.get(url).context["form"])
    assert "revalue_at_period_end" not in data  # an unticked box sends nothing
    response = client.post(url, {**data, "revalue_at_period_end": "on", "revalued_on": "2030-01-01"})
    assert response.status_code == 302, response.context["form"].errors
    books.refresh_from_db()
    assert books.revalue_at_period_end is True and books.revalued_on is None  # not the form's to set
    page = client.get(reverse("accounting:books_settings")).content.decode()
    assert "revalue foreign currency at each period end" in page.lower()
