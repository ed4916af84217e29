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
from tandem.core.notifications.models import Notification
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
    outcome = ledger.revalue_period_ends(company, None, NEXT_DAY)
    assert outcome == [ledger.PeriodEnd(MONTH_END, "done")] and _revaluations(company) == 1
    assert ledger.revalue_period_ends(company, None, datetime.date(2026, 4, 20))[0].outcome == "done"
    [may] = ledger.revalue_period_ends(company, None, datetime.date(2026, 5, 2))
    # March's revaluation was reversed on April 1: April's end restates the item again
    assert (may.date, may.outcome) == (datetime.date(2026, 4, 30), "posted") and _revaluations(company) == 2
    assert _receivable_at(company, datetime.date(2026, 4, 30)) == Decimal("950.00")
    assert ledger.revalue_period_ends(company, None, datetime.date(2026, 5, 3))[0].outcome == "done"


def test_a_locked_period_end_is_left_alone_and_nothing_is_written(
    company: Company, books: BooksSettings, make_user: Any
) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    ledger.move_lock_date(company, make_user("root", roles.ADMINISTRATOR), MONTH_END)
    assert ledger.revalue_period_ends(company, None, NEXT_DAY) == [ledger.PeriodEnd(MONTH_END, "locked")]
    early = ledger.revalue_period_ends(
        company, None, datetime.date(2026, 1, 15)
    )  # before the first fiscal year's first month ended
    assert early == [ledger.PeriodEnd(datetime.date(2025, 12, 31), "locked")]
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


def test_missed_period_ends_are_caught_up_in_order_each_at_its_own_date_and_once(
    company: Company, books: BooksSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job ran at March's end, then the server was down for April's and May's: the run on
    June 3 revalues April 30, then May 31 — each its own entry reversed the next day — and
    not March again; the next run revalues nothing."""
    _foreign_receivable(company)
    _opt_in(books)
    usd = Currency.objects.get(code="USD")
    april, may = datetime.date(2026, 4, 30), datetime.date(2026, 5, 31)
    for on, rate in ((april, "0.97"), (may, "0.92")):
        ExchangeRate.objects.create(base=usd, quote=company.currency, date=on, rate=Decimal(rate))
    assert [p.outcome for p in ledger.revalue_period_ends(company, None, NEXT_DAY)] == ["posted"]
    monkeypatch.setattr(accounting_jobs.timezone, "localdate", lambda: datetime.date(2026, 6, 3))
    message = str(accounting_jobs.revalue_at_period_end())
    assert "2 entries posted" in message and "0 refused" in message
    originals = JournalEntry.objects.filter(
        company=company, origin=JournalEntry.Origin.REVALUATION, reversal_of__isnull=True
    ).order_by("date")
    assert [e.date for e in originals] == [MONTH_END, april, may]
    assert all(e.state == "posted" for e in originals)
    assert _receivable_at(company, april) == Decimal("970.00")
    assert _receivable_at(company, may) == Decimal("920.00")
    assert _receivable_at(company, datetime.date(2026, 6, 1)) == Decimal("900.00")  # each reversed
    books.refresh_from_db()
    assert books.revalued_on == may
    assert "0 entries posted" in str(accounting_jobs.revalue_at_period_end())
    assert _revaluations(company) == 3  # March's, April's and May's, none twice


def test_a_locked_missed_period_end_is_skipped_and_the_later_ones_still_caught_up(
    company: Company, books: BooksSettings, make_user: Any
) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    ledger.revalue(company, None, datetime.date(2026, 2, 28))  # the last run before the outage
    ledger.move_lock_date(company, make_user("root", roles.ADMINISTRATOR), MONTH_END)
    ends = ledger.revalue_period_ends(company, None, datetime.date(2026, 5, 2))
    assert [(p.date, p.outcome) for p in ends] == [
        (MONTH_END, "locked"),
        (datetime.date(2026, 4, 30), "posted"),
    ]
    revaluations = JournalEntry.objects.filter(company=company, origin=JournalEntry.Origin.REVALUATION)
    assert not revaluations.filter(date=MONTH_END).exists()
    assert ledger.revalue_period_ends(company, None, datetime.date(2026, 5, 3)) == [
        ledger.PeriodEnd(datetime.date(2026, 4, 30), "done")
    ]


def test_month_ends_are_caught_up_without_fiscal_periods(other_company: Company) -> None:
    ends = queries.period_ends_between(other_company, datetime.date(2026, 1, 31), datetime.date(2026, 5, 1))
    assert ends == [datetime.date(2026, 2, 28), datetime.date(2026, 3, 31), datetime.date(2026, 4, 30)]
    assert queries.period_ends_between(other_company, None, datetime.date(2026, 5, 1)) == [
        datetime.date(2026, 4, 30)
    ]  # nothing revalued yet: the last period end only, no catching up from the beginning


def test_a_refusal_tells_the_companys_accountants_and_administrators_once_per_period(
    company: Company, other_company: Company, books: BooksSettings, make_user: Any, next_day: datetime.date
) -> None:
    _opt_in(ledger.update_books_settings(books, None, exchange_journal=None))
    ada = make_user("ada", roles.ACCOUNTANT, language="sl")
    root = make_user("root", roles.ADMINISTRATOR)
    make_user("sam", roles.SALESPERSON)  # not told: not an accountant
    make_user("eve", roles.ACCOUNTANT, company=other_company)  # another company's accountant
    make_user("gone", roles.ACCOUNTANT, is_active=False)
    assert "1 refused" in str(accounting_jobs.revalue_at_period_end())
    told = Notification.objects.filter(kind=ledger.REVALUATION_REFUSED_KIND)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ada", "root"]
    assert set(told.values_list("company_id", flat=True)) == {company.pk}
    mine = told.get(recipient=root)
    assert "2026-03-31" in mine.title and "exchange journal" in mine.body
    assert mine.link == reverse("accounting:books_settings")
    assert told.get(recipient=ada).title != mine.title  # in Slovenian

    assert "1 refused" in str(accounting_jobs.revalue_at_period_end())  # the next day: refused again
    assert told.count() == 2  # but not told again within the period
    assert ledger.tell_revaluation_refused(company, datetime.date(2026, 5, 2), _refusal()) is True
    assert told.count() == 4  # April's end: told again
    assert not Notification.objects.filter(recipient__username__in=["eve", "sam", "gone"]).exists()


def _refusal() -> Any:
    from tandem.core.errors import BusinessError

    try:
        ledger.exchange_accounts(BooksSettings(exchange_journal=None))
    except BusinessError as error:
        return error
    raise AssertionError("the settings without exchange accounts were not refused")


def test_a_refusal_after_missed_period_ends_names_them_all_in_one_notification(
    company: Company, books: BooksSettings, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revalued last at February's end, the job next runs on 2 May without an exchange journal:
    each accountant gets one notification naming March's and April's ends, not one per end nor
    only the last; the next day's run tells no one again."""
    _foreign_receivable(company)
    _opt_in(books)
    ledger.revalue(company, None, datetime.date(2026, 2, 28))
    ledger.update_books_settings(books_of(company), None, exchange_journal=None)
    make_user("ada", roles.ACCOUNTANT)
    monkeypatch.setattr(accounting_jobs.timezone, "localdate", lambda: datetime.date(2026, 5, 2))
    assert "1 refused" in str(accounting_jobs.revalue_at_period_end())
    told = Notification.objects.filter(kind=ledger.REVALUATION_REFUSED_KIND)
    assert told.count() == 1
    assert "2026-03-31, 2026-04-30" in told.get().title and "revaluations" in told.get().title
    event = Event.objects.get(name="books.revaluation_refused", company=company)
    assert event.data["dates"] == ["2026-03-31", "2026-04-30"]
    monkeypatch.setattr(accounting_jobs.timezone, "localdate", lambda: datetime.date(2026, 5, 3))
    accounting_jobs.revalue_at_period_end()
    assert told.count() == 1
