"""The monthly balances the reports read: kept by the database whatever writes posted lines,
filled for lines posted before they existed, checked by an invariant, and giving every report
exactly the figures a sum over every line gives (property test on random ledgers)."""

from __future__ import annotations

import datetime
import importlib
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.invariants import balances_are_the_posted_lines
from tandem.accounting.models import AccountBalance, CostCentreBalance, Journal, JournalLine, PartnerBalance
from tandem.accounting.queries import balances, reports
from tandem.accounting.services import ledger as ledger_services
from tandem.core import invariants
from tests.accounting.reports.conftest import D, Ledger, post

pytestmark = pytest.mark.django_db


def kept(model: type, **where: object) -> list[tuple[object, ...]]:
    rows = model.objects.filter(**where).order_by("month")  # type: ignore[attr-defined]
    return [(row.month, row.debit, row.credit, row.line_count) for row in rows]


def test_a_range_splits_into_whole_months_and_the_days_at_either_end() -> None:
    assert balances.split(D(2026, 1, 1), D(2026, 12, 31)) == balances.Span(
        (D(2026, 1, 1), D(2026, 12, 1)), ()
    )
    assert balances.split(None, D(2026, 3, 9)) == balances.Span(
        (None, D(2026, 2, 1)), ((D(2026, 3, 1), D(2026, 3, 9)),)
    )
    assert balances.split(D(2026, 1, 15), D(2026, 4, 10)) == balances.Span(
        (D(2026, 2, 1), D(2026, 3, 1)), ((D(2026, 1, 15), D(2026, 1, 31)), (D(2026, 4, 1), D(2026, 4, 10)))
    )
    assert balances.split(D(2026, 3, 10), D(2026, 3, 19)) == balances.Span(
        None, ((D(2026, 3, 10), D(2026, 3, 19)),)
    )
    assert balances.split(D(2026, 2, 1), D(2026, 2, 28)) == balances.Span((D(2026, 2, 1), D(2026, 2, 1)), ())
    with balances.lines_only():
        assert balances.split(D(2026, 1, 1), D(2026, 12, 31)) == balances.Span(
            None, ((D(2026, 1, 1), D(2026, 12, 31)),)
        )


def test_written_posted_lines_are_in_the_balances(ledger: Ledger) -> None:
    """The known ledger writes its posted lines directly (as a bulk loader does)."""
    bank, receivables = ledger.accounts["1000"], ledger.accounts["1200"]
    assert kept(AccountBalance, account=bank) == [
        (D(2026, 1, 1), 10_000 * 10_000, 0, 1),
        (D(2026, 2, 1), 0, 300 * 10_000, 1),
        (D(2026, 3, 1), 700 * 10_000, 200 * 10_000, 2),
    ]
    assert kept(PartnerBalance, account=receivables, partner=ledger.partners["A"]) == [
        (D(2026, 2, 1), 1200 * 10_000, 0, 1),
        (D(2026, 3, 1), 0, 700 * 10_000, 1),
    ]
    assert kept(CostCentreBalance, cost_centre=ledger.cost_centre, account=ledger.accounts["5000"]) == [
        (D(2026, 3, 1), 200 * 10_000, 0, 1)
    ]
    assert kept(CostCentreBalance, cost_centre=ledger.cost_centre, account=bank) == [
        (D(2026, 3, 1), 0, 200 * 10_000, 1)
    ]
    assert balances_are_the_posted_lines() == []


def test_posting_and_reversing_through_the_service_moves_the_balances(ledger: Ledger) -> None:
    journal = Journal.objects.get(company=ledger.company)
    bank, sales = ledger.accounts["1000"], ledger.accounts["4000"]
    draft = ledger_services.create_entry(
        ledger.company,
        None,
        journal=journal,
        date=D(2026, 5, 20),
        lines=[
            ledger_services.Line(bank, debit=Decimal("0.10"), partner=ledger.partners["B"]),
            ledger_services.Line(bank, debit=Decimal("0.20"), cost_centre=ledger.cost_centre),
            ledger_services.Line(sales, credit=Decimal("0.30")),
        ],
    )
    assert kept(AccountBalance, account=bank, month=D(2026, 5, 1)) == []  # a draft counts for nothing
    entry = ledger_services.post_entry(draft, None)
    assert kept(AccountBalance, account=bank, month=D(2026, 5, 1)) == [(D(2026, 5, 1), 3_000, 0, 2)]
    assert kept(AccountBalance, account=sales, month=D(2026, 5, 1)) == [(D(2026, 5, 1), 0, 3_000, 1)]
    assert kept(PartnerBalance, partner=ledger.partners["B"], month=D(2026, 5, 1)) == [
        (D(2026, 5, 1), 1_000, 0, 1)
    ]
    assert kept(CostCentreBalance, cost_centre=ledger.cost_centre, month=D(2026, 5, 1)) == [
        (D(2026, 5, 1), 2_000, 0, 1)
    ]
    ledger_services.reverse_entry(entry, None, date=D(2026, 6, 2))
    assert kept(AccountBalance, account=bank, month__gte=D(2026, 5, 1)) == [
        (D(2026, 5, 1), 3_000, 0, 2),
        (D(2026, 6, 1), 0, 3_000, 2),
    ]
    assert balances_are_the_posted_lines() == []


def test_the_invariant_finds_a_balance_that_differs_from_its_lines(ledger: Ledger) -> None:
    row = AccountBalance.objects.get(account=ledger.accounts["1000"], month=D(2026, 2, 1))
    AccountBalance.objects.filter(pk=row.pk).update(credit=row.credit + 1)
    found = balances_are_the_posted_lines()
    assert len(found) == 1 and "accountbalance" in found[0]
    assert "accounting: monthly balances equal their posted lines" in invariants.violations()


def test_the_migration_fills_the_balances_of_lines_posted_before_it(ledger: Ledger) -> None:
    migration = importlib.import_module("tandem.accounting.migrations.0004_monthly_balances")
    before = [sorted(model.objects.values_list("month", "debit", "credit", "line_count")) for model in
              (AccountBalance, PartnerBalance, CostCentreBalance)]  # fmt: skip
    for model in (AccountBalance, PartnerBalance, CostCentreBalance):
        model.objects.all().delete()
    assert balances_are_the_posted_lines()
    with connection.cursor() as cursor:
        for sql in migration._fill(connection.vendor):
            cursor.execute(sql)
    assert balances_are_the_posted_lines() == []
    after = [sorted(model.objects.values_list("month", "debit", "credit", "line_count")) for model in
             (AccountBalance, PartnerBalance, CostCentreBalance)]  # fmt: skip
    assert after == before


def test_a_deleted_posted_line_is_taken_back(ledger: Ledger) -> None:
    """Posted lines are never deleted by Tandem; if raw SQL does, the balances follow."""
    entry = JournalLine.objects.get(account=ledger.accounts["5900"]).entry_id
    JournalLine.objects.filter(entry=entry).delete()  # both sides: PostgreSQL's trigger wants it balanced
    assert kept(AccountBalance, account=ledger.accounts["5900"]) == [(D(2026, 3, 1), 0, 0, 0)]
    assert balances_are_the_posted_lines() == []


# --- the fast path against a sum over every line, on random books ---------------------------

_CODES = st.sampled_from(["1000", "1200", "1500", "2000", "3000", "4000", "5000", "5900"])
_AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
_DAYS = st.dates(min_value=D(2025, 10, 1), max_value=D(2026, 8, 31))
_WHO = st.sampled_from([None, "A", "B", "S"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(
        st.tuples(_CODES, _CODES, _AMOUNTS, _DAYS, _WHO, st.booleans(), st.booleans()), min_size=1, max_size=8
    ),
    start=_DAYS,
    days=st.integers(min_value=0, max_value=400),
    centre=st.booleans(),
    whole_months=st.booleans(),
)
def test_every_report_from_the_balances_equals_the_sum_of_its_lines(
    ledger: Ledger,
    entries: list[tuple[str, str, Decimal, datetime.date, str | None, bool, bool]],
    start: datetime.date,
    days: int,
    centre: bool,
    whole_months: bool,
) -> None:
    journal = Journal.objects.get(company=ledger.company)
    for n, (debit, credit, amount, day, who, in_centre, by_service) in enumerate(entries):
        partner = ledger.partners[who] if who else None
        cost_centre = ledger.cost_centre if in_centre else None
        if by_service:  # posted by the service: the lines become posted in one UPDATE
            entry = ledger_services.create_entry(
                ledger.company,
                None,
                journal=journal,
                date=day,
                lines=[
                    ledger_services.Line(ledger.accounts[debit], debit=amount, partner=partner, due_date=day),
                    ledger_services.Line(ledger.accounts[credit], credit=amount, cost_centre=cost_centre),
                ],
            )
            posted = ledger_services.post_entry(entry, None)
            if n % 3 == 2:
                ledger_services.reverse_entry(posted, None, date=day + datetime.timedelta(days=n))
        else:  # written posted, as the report tests' ledger and the bench do
            due = day + datetime.timedelta(days=30 * n)
            post(ledger.company, journal, day, f"P/{uuid.uuid4().hex[:8]}/{n}",
                 (ledger.accounts[debit], amount, 0, partner, due, None),
                 (ledger.accounts[credit], 0, amount, None, None, cost_centre))  # fmt: skip
    end = start + datetime.timedelta(days=days)
    if whole_months:
        start, end = start.replace(day=1), balances.month_end(end)
    params = ledger.params(start, end, cost_centre=ledger.cost_centre if centre else None)
    for name, build in {**reports.REPORTS, "monthly": reports.monthly}.items():
        fast = build(params)
        with balances.lines_only():
            slow = build(params)
        assert fast == slow, name
    assert balances_are_the_posted_lines() == []
    # and against a plain sum of the lines, independent of the reports' code
    trial = {row.key: (row.debit, row.credit, row.balance) for row in reports.trial_balance(params).rows}
    lines = reports.posted_lines(params).filter(date__lte=end)
    for code, account in ledger.accounts.items():
        mine = lines.filter(account=account)
        if not mine.exists():
            assert code not in trial
            continue
        within = [(x.debit, x.credit) for x in mine if x.date >= start]
        every = [(x.debit, x.credit) for x in mine]
        assert trial[code] == (
            sum((d for d, _c in within), Decimal(0)),
            sum((c for _d, c in within), Decimal(0)),
            sum((d - c for d, c in every), Decimal(0)),
        ), code


# --- what moves the balances when a posted line is written again ------------------------------

BALANCE_TABLES = ("accounting_accountbalance", "accounting_partnerbalance", "accounting_costcentrebalance")


def _balance_row_versions() -> object:
    """Something that changes when a balance row is written or locked: on SQLite the count of
    rows every statement and trigger changed so far; on PostgreSQL each row's place and locker."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
            return cursor.fetchone()[0]
        rows = []
        for table in BALANCE_TABLES:
            cursor.execute(f"SELECT id, ctid::text, xmax::text FROM {table} ORDER BY id")
            rows.append(cursor.fetchall())
        return rows


def _touches_balances(write: Callable[[], int]) -> bool:
    before = _balance_row_versions()
    written = write()
    after = _balance_row_versions()
    if connection.vendor == "sqlite":
        return after != before + written  # type: ignore[operator]
    return after != before


def test_bookkeeping_writes_of_posted_lines_leave_the_balance_rows_alone(ledger: Ledger) -> None:
    line = ledger.lines["invoice_a"]
    before = [kept(model) for model in (AccountBalance, PartnerBalance, CostCentreBalance)]

    flag = JournalLine.objects.filter(posted=True, account=line.account)
    assert not _touches_balances(lambda: flag.update(open_item=True))

    def relabel() -> int:  # a whole-row save: every column is set, only the label differs
        line.refresh_from_db()
        line.label = "Relabelled"
        line.save()
        return 1

    assert not _touches_balances(relabel)
    assert [kept(model) for model in (AccountBalance, PartnerBalance, CostCentreBalance)] == before
    ledger_services.refresh_open_items(flag)
    assert balances_are_the_posted_lines() == []


def test_a_change_of_what_a_posted_line_adds_moves_the_balances(ledger: Ledger) -> None:
    """Posted lines never change in Tandem; raw SQL that moves one moves its balances."""
    line = ledger.lines["invoice_a"]
    entry = JournalLine.objects.filter(entry=line.entry_id)  # PostgreSQL wants the entry balanced
    assert _touches_balances(lambda: entry.update(date=D(2026, 4, 2)))
    assert _touches_balances(lambda: entry.filter(pk=line.pk).update(debit=Decimal(1300)))
    entry.exclude(pk=line.pk).update(credit=Decimal(1300))
    assert kept(PartnerBalance, account=line.account, partner=line.partner) == [
        (D(2026, 2, 1), 0, 0, 0),
        (D(2026, 3, 1), 0, 700 * 10_000, 1),
        (D(2026, 4, 1), 1300 * 10_000, 0, 1),
    ]
    assert balances_are_the_posted_lines() == []
