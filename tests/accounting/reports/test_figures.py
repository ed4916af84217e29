"""Every report on the small known ledger (conftest), with figures worked out by hand."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.models import Journal
from tandem.accounting.queries import reports
from tests.accounting.reports.conftest import D, Ledger, post

pytestmark = pytest.mark.django_db


def figures(report: reports.Report, *names: str) -> dict[str, tuple[Decimal, ...]]:
    return {
        row.key: tuple(getattr(row, n) if hasattr(row, n) else row.extra[n] for n in names)
        for row in report.rows
    }


def test_previous_period_of_a_month_is_the_month_before() -> None:
    params = reports.Params(None, D(2026, 3, 1), D(2026, 3, 31))  # type: ignore[arg-type]
    assert (params.previous().start, params.previous().end) == (D(2026, 2, 1), D(2026, 2, 28))
    params = reports.Params(None, D(2026, 3, 10), D(2026, 3, 19))  # type: ignore[arg-type]
    assert (params.previous().start, params.previous().end) == (D(2026, 2, 28), D(2026, 3, 9))


def test_trial_balance(ledger: Ledger) -> None:
    report = reports.trial_balance(ledger.params())
    assert figures(report, "opening", "debit", "credit", "balance", "previous") == {
        "1000": (9700, 700, 200, 10200, 9700),  # previous: the closing balance at the end of February
        "1200": (1200, 500, 700, 1000, 1200),
        "1500": (0, 2400, 100, 2300, 0),
        "2000": (0, 0, 2400, -2400, 0),
        "3000": (-10000, 0, 0, -10000, -10000),
        "4000": (-1200, 0, 500, -1700, -1200),
        "5000": (300, 200, 0, 500, 300),
        "5900": (0, 100, 0, 100, 0),
    }
    assert report.totals == {"debit": 3900, "credit": 3900, "balance": 0, "previous": 0, "opening": 0}


def test_trial_balance_of_a_cost_centre(ledger: Ledger) -> None:
    report = reports.trial_balance(ledger.params(cost_centre=ledger.cost_centre))
    assert figures(report, "debit", "credit", "balance") == {"1000": (0, 200, -200), "5000": (200, 0, 200)}


def test_general_ledger_lists_accounts_that_moved(ledger: Ledger) -> None:
    report = reports.general_ledger(ledger.params())
    assert [row.key for row in report.rows] == ["1000", "1200", "1500", "2000", "4000", "5000", "5900"]
    lines = reports.drill_lines(ledger.params(), report.rows[0].drill)
    assert sorted((line.debit, line.credit) for line in lines) == [(0, 200), (700, 0)]


def test_profit_and_loss(ledger: Ledger) -> None:
    report = reports.profit_and_loss(ledger.params())
    assert figures(report, "balance", "previous") == {
        "4000": (500, 1200),
        "income": (500, 1200),
        "5000": (200, 300),
        "5900": (100, 0),
        "expense": (300, 300),
        "result": (200, 900),
    }


def test_balance_sheet_balances_now_and_before(ledger: Ledger) -> None:
    report = reports.balance_sheet(ledger.params())
    assert figures(report, "balance", "previous") == {
        "1000": (10200, 9700),
        "1200": (1000, 1200),
        "1500": (2300, 0),
        "asset": (13500, 10900),
        "2000": (2400, 0),
        "liability": (2400, 0),
        "3000": (10000, 10000),
        "result": (1100, 900),
        "equity": (11100, 10900),
    }
    assert report.totals["asset"] == report.totals["liabilities_and_equity"] == 13500


def test_cash_flow_indirect_ties_to_the_change_in_cash(ledger: Ledger) -> None:
    report = reports.cash_flow(ledger.params())
    shown = figures(report, "balance")
    assert shown["result"] == (200,)
    assert [shown[f"cf{n}"][0] for n in range(9)] == [100, 200, 0, 0, 2400, 0, -2400, 0, 0]
    assert (shown["operating"], shown["investing"], shown["financing"]) == ((2900,), (-2400,), (0,))
    assert report.totals["change"] == report.totals["check"] == 500
    assert report.totals["previous_change"] == -300  # February: rent paid


def test_aged_receivables_and_payables(ledger: Ledger) -> None:
    received = reports.aged_receivables(ledger.params())
    a, b = (str(ledger.partners[k].pk) for k in "AB")
    assert figures(
        received, "not_due", "days_0_30", "days_31_60", "days_61_90", "days_90", "balance", "previous"
    ) == {
        a: (0, 0, 500, 0, 0, 500, 1200),  # 1,200 due 20 Feb, 700 paid: 39 days overdue on 31 March
        b: (0, 500, 0, 0, 0, 500, 0),  # due 15 March: 16 days
    }
    assert received.totals["balance"] == 1000
    paid = reports.aged_payables(ledger.params())
    assert figures(paid, "not_due", "balance") == {str(ledger.partners["S"].pk): (2400, 2400)}
    open_a = reports.drill_lines(ledger.params(), received.rows[0].drill)
    assert {line.pk for line in open_a} >= {ledger.lines["invoice_a"].pk}


def test_aged_receivables_before_the_payment(ledger: Ledger) -> None:
    report = reports.aged_receivables(ledger.params(D(2026, 3, 1), D(2026, 3, 9)))
    a, b = (str(ledger.partners[k].pk) for k in "AB")
    assert figures(report, "not_due", "days_0_30", "balance") == {
        a: (0, 1200, 1200),  # 17 days overdue, nothing paid yet
        b: (500, 0, 500),  # due 15 March
    }


def test_partner_ledger(ledger: Ledger) -> None:
    report = reports.partner_ledger(ledger.params())
    a, b, s = (str(ledger.partners[k].pk) for k in "ABS")
    assert figures(report, "opening", "debit", "credit", "balance", "previous") == {
        a: (1200, 0, 700, 500, 1200),
        b: (0, 500, 0, 500, 0),
        s: (0, 0, 2400, -2400, 0),
    }


def test_months_for_the_dashboard(ledger: Ledger) -> None:
    months = reports.monthly(ledger.params(D(2026, 1, 1), D(2026, 3, 31)))
    assert [(m["month"].month, m["income"], m["expenses"], m["cash"]) for m in months] == [
        (1, 0, 0, 10000),
        (2, 1200, 300, 9700),
        (3, 500, 300, 10200),
    ]


_CODES = st.sampled_from(["1000", "1200", "1500", "2000", "3000", "4000", "5000", "5900"])
_AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
_DAYS = st.dates(min_value=D(2025, 11, 1), max_value=D(2026, 6, 30))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    entries=st.lists(st.tuples(_CODES, _CODES, _AMOUNTS, _DAYS), min_size=1, max_size=6),
    start=_DAYS,
    days=st.integers(min_value=0, max_value=120),
)
def test_the_books_balance_in_every_report(
    ledger: Ledger, entries: list[tuple[str, str, Decimal, datetime.date]], start: datetime.date, days: int
) -> None:
    """For any balanced entries and any period: the trial balance sums to zero, debits equal
    credits, assets equal liabilities and equity, and the cash flow explains the change in cash."""
    journal = Journal.objects.get(company=ledger.company)
    for n, (debit, credit, amount, day) in enumerate(entries):
        post(ledger.company, journal, day, f"P/{uuid.uuid4().hex[:8]}/{n}",
             (ledger.accounts[debit], amount, 0, None, None, None),
             (ledger.accounts[credit], 0, amount, None, None, None))  # fmt: skip
    params = ledger.params(start, start + datetime.timedelta(days=days))
    trial = reports.trial_balance(params)
    assert trial.totals["balance"] == 0 and trial.totals["previous"] == 0
    assert trial.totals["debit"] == trial.totals["credit"]
    sheet = reports.balance_sheet(params)
    assert sheet.totals["asset"] == sheet.totals["liabilities_and_equity"]
    flow = reports.cash_flow(params)
    assert flow.totals["change"] == flow.totals["check"]
