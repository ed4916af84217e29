"""Financial reports as SQL aggregates over the posted journal lines.

Every report is a few ``GROUP BY`` queries; no report loops over lines in Python. Sums over a
range of dates read the monthly balances for the whole months in it and the lines only for the
days at either end (``queries.balances``): a year's trial balance reads 12 rows per account, not
every line up to the period's end. What needs each line — aged balances by due date, drill-down
— reads the lines through indexes that cover it (``company, account, date`` and ``company,
partner, account, date``, posted lines only). A report is asked for with :class:`Params` (company,
period, optional cost centre) and answers rows of :class:`Row` with the same figures for the
period just before (``previous``), so every page, export and API answer shows both.

Signs: ``balance`` is debit minus credit. Statements show income, liabilities and equity
with their natural (credit) sign where they say so (``shown``).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import MONEY_DIGITS, MONEY_PLACES, Account, CostCentre, JournalLine, Tax
from tandem.accounting.models.payments import Reconciliation
from tandem.accounting.queries import balances
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.core.money import plain

ZERO = Decimal(0)
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
Type, Subtype = Account.Type, Account.Subtype


@dataclass(frozen=True)
class Params:
    """What every report is asked for: a company, a period (both days included), a cost centre."""

    company: Company
    start: datetime.date
    end: datetime.date
    cost_centre: CostCentre | None = None

    def previous(self) -> Params:
        """The period of the same length just before: whole months stay whole months."""
        if self.start.day == 1 and self.end.day == _month_end(self.end).day:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = add_months(self.start, -months)
            return replace(self, start=start, end=self.start - datetime.timedelta(days=1))
        length = self.end - self.start + datetime.timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - datetime.timedelta(days=1))


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Row:
    """One line of a report: an account (or partner, or heading) and its figures."""

    key: str  # what the row is about: an account code, a partner id, a heading
    name: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO
    previous: Decimal = ZERO  # the same figure for the previous period
    extra: dict[str, Any] = field(default_factory=dict)  # report-specific figures (buckets, opening)
    drill: dict[str, Any] = field(default_factory=dict)  # line filters that make up the figure
    section: str = ""
    total: bool = False


@dataclass
class Report:
    name: str
    title: str
    params: Params
    rows: list[Row]
    totals: dict[str, Decimal]
    columns: Sequence[tuple[str, Any]] = ()  # extra figure columns: (key in ``extra``, label)
    labels: Mapping[str, Any] = field(default_factory=dict)  # own labels of "balance" and "previous"


_PLACES = Decimal(1).scaleb(-MONEY_PLACES)
_CENTS = Decimal("0.01")


def exact(values: dict[str, Any]) -> dict[str, Any]:
    """A result row with its sums at the books' places: SQLite adds decimals in floating point
    (``-0.0100000000020373``) and Django quantizes only plain columns, not expressions."""
    return {k: v.quantize(_PLACES) if isinstance(v, Decimal) else v for k, v in values.items()}


def figure_text(value: Decimal) -> str:
    """A figure as the API and the CSV file write it: two places unless it has more ("1200.00",
    "0.3333"), never an exponent and never "-0.00"."""
    if value == value.quantize(_CENTS):
        return f"{value:.2f}" if value else "0.00"
    return plain(value)


def posted_lines(params: Params) -> QuerySet[JournalLine]:
    """Posted lines of the company (and cost centre): the only lines any report reads."""
    lines = JournalLine.objects.filter(company=params.company, posted=True)
    if params.cost_centre is not None:
        lines = lines.filter(cost_centre=params.cost_centre)
    return lines


def _sum(expression: Any, **filters: Any) -> Coalesce:
    condition = Q(**filters) if filters else None
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=MONEY)


def _account_balances(params: Params) -> QuerySet[Any]:
    centre = params.cost_centre.pk if params.cost_centre is not None else None
    return balances.account_balances(params.company.pk, centre)


_ACCOUNT = ("account_id", "account__code", "account__name", "account__type", "account__subtype")
_SIDES: balances.Sums = {"debit": (F("debit"), None), "credit": (F("credit"), None)}


def _by_account(
    params: Params, start: datetime.date | None, end: datetime.date, **where: Any
) -> list[dict[str, Any]]:
    """Per account with lines up to ``end``: ``opening`` (before ``start``), ``debit``/``credit``
    in [start, end]."""
    lines, sums = posted_lines(params).filter(**where), _account_balances(params).filter(**where)
    period = balances.total(lines, sums, start, end, _ACCOUNT, _SIDES)
    before = (
        balances.total(lines, sums, None, start - datetime.timedelta(days=1), _ACCOUNT, _SIDES)
        if start is not None
        else {}
    )
    rows = []
    for key in set(period) | set(before):
        found = dict(period.get(key) or before[key])
        opening = before.get(key)
        found["opening"] = opening["debit"] - opening["credit"] if opening else ZERO
        if key not in period:
            found["debit"] = found["credit"] = ZERO
        rows.append(found)
    return sorted(rows, key=lambda row: row["account__code"])


def _drill(params: Params, start: datetime.date | None, end: datetime.date, **more: Any) -> dict[str, Any]:
    found = {"start": start, "end": end, **more}
    if params.cost_centre is not None:
        found["cost_centre"] = params.cost_centre.pk
    return {k: v for k, v in found.items() if v is not None}


# --- trial balance and general ledger ------------------------------------------------------


def trial_balance(params: Params) -> Report:
    """Every account with lines up to the end: opening, debit, credit and closing balance
    (``previous``: the closing balance at the end of the previous period)."""
    # The previous period ends the day before this one starts: its closing balance is the opening.
    assert params.previous().end == params.start - datetime.timedelta(days=1)
    rows = []
    for found in _by_account(params, params.start, params.end):
        closing = found["opening"] + found["debit"] - found["credit"]
        rows.append(
            Row(
                found["account__code"],
                found["account__name"],
                found["debit"],
                found["credit"],
                closing,
                previous=found["opening"],
                extra={"opening": found["opening"]},
                drill=_drill(params, params.start, params.end, account=found["account_id"]),
            )
        )
    totals = _totals(rows, "debit", "credit", "balance", "previous")
    totals["opening"] = sum((r.extra["opening"] for r in rows), ZERO)
    return Report("trial-balance", str(_("Trial balance")), params, rows, totals, [("opening", _("Opening"))])


def general_ledger(params: Params) -> Report:
    """Accounts with movement in the period: opening, debit, credit, closing (lines by drill-down)."""
    report = trial_balance(params)
    report.rows = [r for r in report.rows if r.debit or r.credit]
    report.totals = _totals(report.rows, "debit", "credit", "balance", "previous")
    report.totals["opening"] = sum((r.extra["opening"] for r in report.rows), ZERO)
    report.name, report.title = "general-ledger", str(_("General ledger"))
    return report


def _totals(rows: Iterable[Row], *names: str) -> dict[str, Decimal]:
    return {name: sum((getattr(r, name) for r in rows if not r.total), ZERO) for name in names}


# --- statements -------------------------------------------------------------------------


def _section_total(
    rows: list[Row],
    section: list[Row],
    totals: dict[str, Decimal],
    key: str,
    label: Any,
    extra: dict[str, Any] | None = None,
) -> None:
    """Close a section of a statement (the P&L's income, the balance sheet's assets, the VAT
    report's sales): its rows, then its total row — the sum of their ``balance`` and
    ``previous``, kept in ``totals`` as ``key`` and ``previous_<key>`` — with ``extra``."""
    rows += section
    totals[key] = sum((r.balance for r in section), ZERO)
    totals[f"previous_{key}"] = sum((r.previous for r in section), ZERO)
    rows.append(
        Row(
            key,
            str(_("Total %(section)s") % {"section": label}),
            balance=totals[key],
            previous=totals[f"previous_{key}"],
            extra=extra or {},
            section=key,
            total=True,
        )
    )


_PL_TYPES = (Type.INCOME, Type.EXPENSE)


def profit_and_loss(params: Params) -> Report:
    """Income and expenses of the period, each account with the previous period beside it.

    ``balance`` is shown with income positive (credit minus debit) and expenses positive."""
    now = _movements(params, type__in=_PL_TYPES)
    before = _movements(params.previous(), type__in=_PL_TYPES)
    rows: list[Row] = []
    totals: dict[str, Decimal] = {}
    for kind, label, sign in ((Type.INCOME, _("Income"), -1), (Type.EXPENSE, _("Expenses"), 1)):
        section = [r for r in _statement_rows(params, now, before, sign) if r.section == kind]
        _section_total(rows, section, totals, kind, label)
    totals["result"] = totals[Type.INCOME] - totals[Type.EXPENSE]
    totals["previous_result"] = totals[f"previous_{Type.INCOME}"] - totals[f"previous_{Type.EXPENSE}"]
    rows.append(
        Row(
            "result",
            str(_("Net result")),
            balance=totals["result"],
            previous=totals["previous_result"],
            total=True,
        )
    )
    return Report("profit-and-loss", str(_("Profit and loss")), params, rows, totals)


def _movements(params: Params, *, until: bool = False, **account: Any) -> dict[int, dict[str, Any]]:
    """Debit minus credit per account in the period (``until``: everything up to its end)."""
    start = None if until else params.start
    where = {f"account__{k}": v for k, v in account.items()}
    found = _by_account(params, start, params.end, **where)
    return {
        r["account_id"]: {**r, "amount": r["debit"] - r["credit"] + (r["opening"] if until else ZERO)}
        for r in found
    }


def _statement_rows(
    params: Params,
    now: dict[int, dict[str, Any]],
    before: dict[int, dict[str, Any]],
    sign: int,
    until: bool = False,
) -> list[Row]:
    ids = sorted(set(now) | set(before), key=lambda pk: (now.get(pk) or before[pk])["account__code"])
    rows = []
    for pk in ids:
        found = now.get(pk) or before[pk]
        rows.append(
            Row(
                found["account__code"],
                found["account__name"],
                balance=sign * now[pk]["amount"] if pk in now else ZERO,
                previous=sign * before[pk]["amount"] if pk in before else ZERO,
                section=found["account__type"],
                drill=_drill(params, None if until else params.start, params.end, account=pk),
            )
        )
    return rows


def balance_sheet(params: Params) -> Report:
    """Assets against liabilities and equity at the end of the period (and of the previous one).

    The result of every year not yet closed into equity is shown as its own equity row, so
    the two sides are equal by construction of double entry."""
    sheet = (Type.ASSET, Type.LIABILITY, Type.EQUITY)
    now = _movements(params, until=True, type__in=sheet)
    before = _movements(params.previous(), until=True, type__in=sheet)
    result_now = _unclosed_result(params)
    result_before = _unclosed_result(params.previous())
    rows: list[Row] = []
    totals: dict[str, Decimal] = {}
    for kind, label, sign in (
        (Type.ASSET, _("Assets"), 1),
        (Type.LIABILITY, _("Liabilities"), -1),
        (Type.EQUITY, _("Equity"), -1),
    ):
        section = [r for r in _statement_rows(params, now, before, sign, until=True) if r.section == kind]
        if kind == Type.EQUITY:
            section.append(
                Row(
                    "result",
                    str(_("Result not yet closed")),
                    balance=result_now,
                    previous=result_before,
                    section=kind,
                    drill=_drill(params, None, params.end, account_type="pl"),
                )
            )
        _section_total(rows, section, totals, kind, label)
    totals["liabilities_and_equity"] = totals[Type.LIABILITY] + totals[Type.EQUITY]
    return Report("balance-sheet", str(_("Balance sheet")), params, rows, totals)


def _unclosed_result(params: Params) -> Decimal:
    where = {"account__type__in": _PL_TYPES}
    lines, sums = posted_lines(params).filter(**where), _account_balances(params).filter(**where)
    found = balances.total(lines, sums, None, params.end, (), {"amount": (F("debit") - F("credit"), None)})
    return -found[()]["amount"] if found else ZERO


# --- cash flow (indirect method) --------------------------------------------------------

CASH = (Subtype.BANK, Subtype.CASH)
# (heading, label, account types and subtypes whose movement it shows)
_CASH_FLOW: list[tuple[str, Any, Q]] = [
    ("operating", _("Depreciation"), Q(account__subtype=Subtype.DEPRECIATION)),
    ("operating", _("Change in receivables"), Q(account__subtype=Subtype.RECEIVABLE)),
    ("operating", _("Change in inventory"), Q(account__subtype=Subtype.INVENTORY)),
    (
        "operating",
        _("Change in prepayments and other current assets"),
        Q(account__type=Type.ASSET, account__subtype__in=[Subtype.PREPAYMENT, Subtype.CURRENT, Subtype.TAX]),
    ),
    ("operating", _("Change in payables"), Q(account__subtype=Subtype.PAYABLE)),
    (
        "operating",
        _("Change in taxes and other current liabilities"),
        Q(
            account__type=Type.LIABILITY,
            account__subtype__in=[Subtype.TAX, Subtype.CURRENT, Subtype.CREDIT_CARD],
        ),
    ),
    (
        "investing",
        _("Fixed and non-current assets, before depreciation"),
        Q(account__type=Type.ASSET, account__subtype__in=[Subtype.FIXED, Subtype.NON_CURRENT]),
    ),
    (
        "financing",
        _("Non-current liabilities"),
        Q(account__type=Type.LIABILITY, account__subtype=Subtype.NON_CURRENT),
    ),
    ("financing", _("Equity"), Q(account__type=Type.EQUITY)),
]


def cash_flow(params: Params) -> Report:
    """Net result, adjusted by the movement of every non-cash balance, is the change in cash.

    Every posted entry balances, so the lines below always add up to the change in the bank
    and cash accounts (``totals["check"]`` is that change read directly; they are equal)."""
    now, before = _cash_flow_figures(params), _cash_flow_figures(params.previous())
    rows = [
        Row(
            "result",
            str(_("Net result")),
            balance=now["result"],
            previous=before["result"],
            section="operating",
            drill=_drill(params, params.start, params.end, account_type="pl"),
        )
    ]
    for n, (section, label, _where) in enumerate(_CASH_FLOW):
        rows.append(
            Row(
                f"cf{n}",
                str(label),
                balance=now[f"cf{n}"],
                previous=before[f"cf{n}"],
                section=section,
                drill=_drill(params, params.start, params.end, cash_flow=n),
            )
        )
    totals: dict[str, Decimal] = {}
    for section, label in (
        ("operating", _("Operating activities")),
        ("investing", _("Investing activities")),
        ("financing", _("Financing activities")),
    ):
        totals[section] = sum((r.balance for r in rows if r.section == section), ZERO)
        totals[f"previous_{section}"] = sum((r.previous for r in rows if r.section == section), ZERO)
        rows.append(
            Row(
                section,
                str(label),
                balance=totals[section],
                previous=totals[f"previous_{section}"],
                section=section,
                total=True,
            )
        )
    totals["change"] = totals["operating"] + totals["investing"] + totals["financing"]
    totals["previous_change"] = sum(
        (totals[f"previous_{s}"] for s in ("operating", "investing", "financing")), ZERO
    )
    totals["check"] = now["cash"]
    rows.append(
        Row(
            "change",
            str(_("Change in cash")),
            balance=totals["change"],
            previous=totals["previous_change"],
            total=True,
            drill=_drill(params, params.start, params.end, account_subtype="cash"),
        )
    )
    return Report("cash-flow", str(_("Cash-flow statement")), params, rows, totals)


def cash_flow_filter(n: int) -> Q:
    """The lines that make up row ``n`` of the cash-flow statement (for its drill-down)."""
    return _CASH_FLOW[n][2]


def _cash_flow_figures(params: Params) -> dict[str, Decimal]:
    """One query: the period's movement of each cash-flow row, of income and expense and of cash."""
    balance = F("debit") - F("credit")
    sums: dict[str, tuple[Any, Q | None]] = {
        "result": (-balance, Q(account__type__in=_PL_TYPES)),
        "cash": (balance, Q(account__subtype__in=CASH)),
        **{f"cf{n}": (-balance, where) for n, (_s, _l, where) in enumerate(_CASH_FLOW)},
    }
    totals = balances.total(
        posted_lines(params), _account_balances(params), params.start, params.end, (), sums
    )
    found = {name: totals[()][name] if totals else ZERO for name in sums}
    # Depreciation is an expense inside the result that used no cash: it is added back, and
    # taken out of the fixed assets' movement (where its credit went), so nothing counts twice.
    depreciation = -found["cf0"]
    found["cf0"] = depreciation
    found[f"cf{_INVESTING}"] -= depreciation
    return found


_INVESTING = 6


# --- partners: aged balances and the partner ledger -------------------------------------

BUCKETS: list[tuple[str, Any, int | None, int | None]] = [
    ("not_due", _("Not due"), None, -1),
    ("days_0_30", _("0–30"), 0, 30),
    ("days_31_60", _("31–60"), 31, 60),
    ("days_61_90", _("61–90"), 61, 90),
    ("days_90", _("90+"), 91, None),
]
_SIDE = {"receivable": Subtype.RECEIVABLE, "payable": Subtype.PAYABLE}


def _matched(side: str, as_of: datetime.date) -> Subquery:
    """What reconciliations settled of the outer line (as its ``side``) by ``as_of``."""
    other = "credit_line" if side == "debit_line" else "debit_line"
    settled = (
        Reconciliation.objects.filter(**{side: OuterRef("pk"), f"{other}__date__lte": as_of})
        .values(side)
        .annotate(amount=Sum("amount"))
        .values("amount")
    )
    return Subquery(settled, output_field=MONEY)


def open_items(params: Params, kind: str, as_of: datetime.date) -> QuerySet[Any]:
    """Lines on receivable (or payable) accounts up to ``as_of`` with their ``residual``
    (debit minus credit minus what reconciliations settled by then), and their ``due`` date."""
    lines = posted_lines(params).filter(account__subtype=_SIDE[kind], date__lte=as_of)
    return lines.annotate(
        residual=F("debit")
        - F("credit")
        - Coalesce(_matched("debit_line", as_of), Value(ZERO), output_field=MONEY)
        + Coalesce(_matched("credit_line", as_of), Value(ZERO), output_field=MONEY),
        due=Coalesce("due_date", "date"),
    )


def _bucket(as_of: datetime.date, low: int | None, high: int | None) -> Q:
    """Lines ``low``–``high`` days overdue at ``as_of`` (as dates, so every database agrees)."""
    condition = Q()
    if low is not None:
        condition &= Q(due__lte=as_of - datetime.timedelta(days=low))
    if high is not None:
        condition &= Q(due__gte=as_of - datetime.timedelta(days=high))
    return condition


_PARTNER = ("partner_id", "partner__name")


def _likely(condition: Any) -> Any:
    """``condition``, which few rows meet: SQLite's planner, not knowing a bound value, would
    rather walk the partner index in order than range over the due-date one (0.8 s against
    27 ms for 90,000 receivable lines); ``likelihood`` tells it. PostgreSQL plans with the value."""
    if connection.vendor != "sqlite":
        return condition
    return Func(condition, template="likelihood(%(expressions)s, 0.01)", output_field=BooleanField())


_WINDOW = 90  # days overdue the buckets tell apart; older items are "90+"


def _partner_totals(
    params: Params, start: datetime.date | None, end: datetime.date, sums: balances.Sums, **where: Any
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Per partner (None: lines without one), ``sums`` over the posted lines dated in [start,
    end] on the accounts ``where`` names; monthly balances for whole months (not per cost
    centre: with one, the cost centre's lines)."""
    lines = posted_lines(params).filter(**where)
    if params.cost_centre is not None:
        return balances.total(lines, None, start, end, _PARTNER, sums)
    company = params.company.pk
    return balances.total(
        lines,
        balances.partner_balances(company).filter(**where),
        start,
        end,
        _PARTNER,
        sums,
        unassigned=(balances.account_balances(company).filter(**where), "partner"),
    )


def _aged_figures(
    params: Params, kind: str, as_of: datetime.date, *, buckets: bool = True
) -> list[dict[str, Any]]:
    """Per partner and bucket: the open items' residuals. The lines' balances: each partner's
    total up to ``as_of`` from the monthly balances, the buckets up to 90 days overdue from the
    lines due since then (an index on the due date), "90+" what is left of the total; then less
    what reconciliations settled of a debit line and plus what they settled of a credit line,
    each in the bucket of the settled line (grouped aggregates over the reconciliations).
    ``buckets`` False: the totals only."""
    side = {"account__subtype": _SIDE[kind]}
    totals: dict[Any, dict[str, Any]] = {}

    def into(partner: Any, name: str | None) -> dict[str, Any]:
        return totals.setdefault(
            partner,
            {
                "partner_id": partner,
                "partner__name": name,
                "total": ZERO,
                **{key: ZERO for key, *_r in BUCKETS},
            },
        )

    balance = F("debit") - F("credit")
    for (partner, name), row in _partner_totals(
        params, None, as_of, {"total": (balance, None)}, **side
    ).items():
        found = into(partner, name)
        found["total"] += row["total"]
        found["days_90"] += row["total"]  # less the younger buckets below
    recent = [(key, low, high) for key, _label, low, high in BUCKETS if key != "days_90"]
    if buckets:
        window = (
            posted_lines(params)
            .filter(date__lte=as_of, **side)
            .annotate(due=Coalesce("due_date", "date"))
            .filter(_likely(GreaterThanOrEqual(F("due"), as_of - datetime.timedelta(days=_WINDOW))))
            .values(*_PARTNER)
            .annotate(
                **{
                    key: Coalesce(
                        Sum(balance, filter=_bucket(as_of, low, high)), Value(ZERO), output_field=MONEY
                    )
                    for key, low, high in recent
                }
            )
            .order_by()
        )
        for row in map(exact, window):
            found = into(row["partner_id"], row["partner__name"])
            for key, *_r in recent:
                found[key] += row[key]
                found["days_90"] -= row[key]
    else:
        for found in totals.values():
            found["days_90"] = ZERO
    lines = {
        "company": params.company,
        "posted": True,
        "date__lte": as_of,
        "account__subtype": _SIDE[kind],
        **({"cost_centre": params.cost_centre} if params.cost_centre is not None else {}),
    }
    for side_name, other, sign in (("debit_line", "credit_line", -1), ("credit_line", "debit_line", 1)):
        settled = Reconciliation.objects.filter(
            company=params.company,
            **{f"{side_name}__{k}": v for k, v in lines.items()},
            **{f"{other}__date__lte": as_of},
        ).annotate(due=Coalesce(f"{side_name}__due_date", f"{side_name}__date"))
        amount = sign * F("amount")
        figures = {
            key: Coalesce(Sum(amount, filter=_bucket(as_of, low, high)), Value(ZERO), output_field=MONEY)
            for key, _label, low, high in BUCKETS
        }
        found_rows = settled.values(f"{side_name}__partner_id", f"{side_name}__partner__name").annotate(
            total=Coalesce(Sum(amount), Value(ZERO), output_field=MONEY), **(figures if buckets else {})
        )
        for row in map(exact, found_rows):
            found = into(row[f"{side_name}__partner_id"], row[f"{side_name}__partner__name"])
            for key in ("total", *((key for key, *_r in BUCKETS) if buckets else ())):
                found[key] += row[key]
    ordered = sorted(totals.values(), key=lambda r: (r["partner__name"] or "", r["partner_id"] or 0))
    return [row for row in ordered if row["total"]]  # settled partners left out


def aged(params: Params, kind: str = "receivable") -> Report:
    """Open receivables (or payables) per partner at the end of the period, by days overdue;
    ``previous`` is each partner's open total at the end of the previous period."""
    sign = 1 if kind == "receivable" else -1
    before = {
        r["partner_id"]: r["total"] for r in _aged_figures(params, kind, params.previous().end, buckets=False)
    }
    rows = []
    for found in _aged_figures(params, kind, params.end):
        rows.append(
            Row(
                str(found["partner_id"] or ""),
                found["partner__name"] or str(_("No partner")),
                balance=sign * found["total"],
                previous=sign * before.get(found["partner_id"], ZERO),
                extra={key: sign * found[key] for key, *_rest in BUCKETS},
                drill=_drill(
                    params,
                    None,
                    params.end,
                    partner=found["partner_id"] or "none",
                    account_subtype=_SIDE[kind],
                    open=1,
                ),
            )
        )
    totals = _totals(rows, "balance", "previous")
    for key, *_rest in BUCKETS:
        totals[key] = sum((r.extra[key] for r in rows), ZERO)
    name, title = (
        ("aged-receivables", _("Aged receivables"))
        if kind == "receivable"
        else ("aged-payables", _("Aged payables"))
    )
    return Report(name, str(title), params, rows, totals, [(key, label) for key, label, *_r in BUCKETS])


def aged_receivables(params: Params) -> Report:
    return aged(params, "receivable")


def aged_payables(params: Params) -> Report:
    return aged(params, "payable")


def partner_ledger(params: Params) -> Report:
    """Per partner on receivable and payable accounts: opening, debit, credit, closing
    (``previous``: the closing balance at the end of the previous period)."""
    where = {"account__subtype__in": [Subtype.RECEIVABLE, Subtype.PAYABLE]}
    day = datetime.timedelta(days=1)
    period = _partner_totals(params, params.start, params.end, _SIDES, **where)
    opening = _partner_totals(params, None, params.start - day, _SIDES, **where)
    end_before = params.previous().end
    before = (
        opening
        if end_before == params.start - day
        else _partner_totals(params, None, end_before, _SIDES, **where)
    )
    found = []
    for key in set(period) | set(opening):  # partners with lines up to the end
        partner, name = key
        now, start, then = period.get(key), opening.get(key), before.get(key)
        found.append(
            {
                "partner_id": partner,
                "partner__name": name,
                "opening": start["debit"] - start["credit"] if start else ZERO,
                "before": then["debit"] - then["credit"] if then else ZERO,
                "debit": now["debit"] if now else ZERO,
                "credit": now["credit"] if now else ZERO,
            }
        )
    found.sort(key=lambda r: (r["partner__name"] or "", r["partner_id"] or 0))  # as the aged balances
    rows = [
        Row(
            str(r["partner_id"] or ""),
            r["partner__name"] or str(_("No partner")),
            r["debit"],
            r["credit"],
            r["opening"] + r["debit"] - r["credit"],
            previous=r["before"],
            extra={"opening": r["opening"]},
            drill=_drill(
                params, params.start, params.end, partner=r["partner_id"] or "none", account_subtype="partner"
            ),
        )
        for r in found
    ]
    totals = _totals(rows, "debit", "credit", "balance", "previous")
    totals["opening"] = sum((r.extra["opening"] for r in rows), ZERO)
    return Report(
        "partner-ledger", str(_("Partner ledger")), params, rows, totals, [("opening", _("Opening"))]
    )


# --- by month, for the dashboard --------------------------------------------------------


def monthly(params: Params) -> list[dict[str, Any]]:
    """Per month of the period: income, expenses (both positive) and the cash at its end."""
    balance = F("debit") - F("credit")
    lines, sums = posted_lines(params), _account_balances(params)
    cash_sums: balances.Sums = {"cash": (balance, Q(account__subtype__in=CASH))}
    before = balances.total(lines, sums, None, params.start - datetime.timedelta(days=1), (), cash_sums)
    opening_cash = before[()]["cash"] if before else ZERO
    figures: balances.Sums = {
        "income": (-balance, Q(account__type=Type.INCOME)),
        "expenses": (balance, Q(account__type=Type.EXPENSE)),
        "cash": (balance, Q(account__subtype__in=CASH)),
    }
    by_month = balances.total(
        lines.annotate(month=TruncMonth("date")), sums, params.start, params.end, ("month",), figures
    )
    found = [by_month[key] for key in sorted(by_month)]
    months, cash = [], opening_cash
    for row in found:
        cash += row["cash"]
        months.append(
            {
                "month": row["month"],
                "income": row["income"],
                "expenses": row["expenses"],
                "result": row["income"] - row["expenses"],
                "cash": cash,
            }
        )
    return months


# --- VAT -------------------------------------------------------------------------------

_PERCENT = Decimal("0.01")


VatKey = tuple[int, Decimal | None]  # a tax and the rate its lines were posted at


def _vat_figures(params: Params) -> dict[VatKey, dict[str, Decimal]]:
    """Per tax and rate used in the period: the base the tax was computed on (``base``), debit
    minus credit of its tax lines (``tax``, by ``line_tax_date_idx``) and of the part of those on
    its reverse-charge account (``assessed``).

    The rate is the one each tax line was posted at (``tax_rate``), never the tax's rate now. The
    base is what each tax line recorded it was computed on (``tax_base_amount``, on the side of
    the line): a compound tax's base holds the taxes before it, a reversal's takes its original's
    back. An entry with no tax line of a tax (0 %, or a tax that came to nothing) counts the lines
    that carry it (through the lines' taxes) at the rate ``None``: the tax's own. Two grouped sums."""
    lines = posted_lines(params).filter(date__gte=params.start, date__lte=params.end)
    balance = F("debit") - F("credit")
    found: dict[VatKey, dict[str, Decimal]] = {}

    def into(key: VatKey) -> dict[str, Decimal]:
        return found.setdefault(key, {"base": ZERO, "tax": ZERO, "assessed": ZERO})

    assessed = Q(tax__reverse_charge_account__isnull=False, account_id=F("tax__reverse_charge_account_id"))
    recorded = Case(
        When(debit__lt=F("credit"), then=-Abs("tax_base_amount")),
        default=Abs("tax_base_amount"),
        output_field=MONEY,
    )
    taxed = (
        lines.filter(tax__isnull=False)
        .values("tax", "tax_rate")
        .annotate(
            tax_total=_sum(balance),
            assessed=Coalesce(Sum(balance, filter=assessed), Value(ZERO), output_field=MONEY),
            base=_sum(recorded),
            assessed_base=Coalesce(Sum(recorded, filter=assessed), Value(ZERO), output_field=MONEY),
        )
        .order_by()
    )
    for row in map(exact, taxed):
        figures = into((row["tax"], row["tax_rate"]))
        figures["tax"], figures["assessed"] = row["tax_total"], row["assessed"]
        figures["base"] = row["base"] - row["assessed_base"]
    carried = JournalLine.taxes.through.objects.filter(  # the base lines and the taxes computed on them
        journalline__company=params.company,
        journalline__posted=True,
        journalline__date__gte=params.start,
        journalline__date__lte=params.end,
    )
    with_tax_line = JournalLine.objects.filter(
        entry_id=OuterRef("journalline__entry_id"), tax_id=OuterRef("tax_id")
    ).exclude(tax_base_amount=0)
    bases = (
        carried.filter(~Exists(with_tax_line))
        .values("tax_id")
        .annotate(base=_sum(F("journalline__debit") - F("journalline__credit")))
        .order_by()
    )
    for row in map(exact, bases):
        into((row["tax_id"], None))["base"] += row["base"]
    return found


def _at_rates(
    figures: Mapping[VatKey, Mapping[str, Decimal]], taxes: Iterable[Tax]
) -> dict[VatKey, dict[str, Decimal]]:
    """``figures`` with the lines of no recorded rate at their tax's rate: its own for a
    percentage (the lines carrying a tax that left no tax line, lines entered by hand), none
    for a fixed tax."""
    own = {tax.pk: tax.amount if tax.computation == Tax.Computation.PERCENT else None for tax in taxes}
    merged: dict[VatKey, dict[str, Decimal]] = {}
    for (pk, rate), found in figures.items():
        into = merged.setdefault((pk, rate if rate is not None else own.get(pk)), dict.fromkeys(found, ZERO))
        for key, value in found.items():
            into[key] += value
    return merged


def _signed(sign: int, value: Decimal) -> Decimal:
    """``value`` with the section's sign; nothing stays 0, never "-0" in a cell."""
    return sign * value if value else ZERO


def _vat_payable(figures: Mapping[VatKey, Mapping[str, Decimal]]) -> Decimal:
    """What the period leaves to pay (negative: to claim back): the credit balance of every tax line."""
    return _signed(-1, sum((f["tax"] for f in figures.values()), ZERO))


def vat(params: Params) -> Report:
    """Base and tax per tax and rate, sales then purchases, with the previous period beside it.

    A tax's figures are the posted lines that carry it, so a credit note or a supplier refund,
    on the other side, reduces them. Sales show credit minus debit, purchases debit minus credit:
    tax owed on sales and tax to deduct on purchases are both positive. ``balance`` is the tax
    the company's own side carries; a reverse charge's self-assessed tax, on the tax's
    reverse-charge account, is its own column (``self_assessed``, positive when owed on a
    purchase). The last row is the tax payable for the period: the credit balance of all the
    tax lines, so a purchase under reverse charge nets to nothing."""
    now, before = _vat_figures(params), _vat_figures(params.previous())
    used = Tax.objects.filter(company=params.company, pk__in={pk for pk, _rate in (*now, *before)}).order_by(
        "-use", "-amount", "name", "pk"
    )
    now, before = _at_rates(now, used), _at_rates(before, used)
    blank = {"base": ZERO, "tax": ZERO, "assessed": ZERO}
    rows: list[Row] = []
    totals: dict[str, Decimal] = {}
    for use, label in ((Tax.Use.SALE, _("Sales")), (Tax.Use.PURCHASE, _("Purchases"))):
        sign = -1 if use == Tax.Use.SALE else 1
        section = []
        for tax in (tax for tax in used if tax.use == use):
            rates = sorted({rate for pk, rate in (*now, *before) if pk == tax.pk}, key=lambda r: -(r or ZERO))
            for rate in rates:
                this, then = now.get((tax.pk, rate), blank), before.get((tax.pk, rate), blank)
                narrowed = {"rate": rate} if len(rates) > 1 and rate is not None else {}
                section.append(
                    Row(
                        tax.report_box,  # the box of the VAT return its figures go to, if set
                        tax.name,
                        balance=_signed(sign, this["tax"] - this["assessed"]),
                        previous=_signed(sign, then["tax"] - then["assessed"]),
                        extra={
                            "rate": rate.quantize(_PERCENT) if rate is not None else None,
                            "base": _signed(sign, this["base"]),
                            "previous_base": _signed(sign, then["base"]),
                            "self_assessed": _signed(-sign, this["assessed"]),
                        },
                        drill=_drill(params, params.start, params.end, tax=tax.pk, **narrowed),
                        section=use,
                    )
                )
        sums = {
            key: sum((r.extra[key] for r in section), ZERO)
            for key in ("base", "previous_base", "self_assessed")
        }
        _section_total(rows, section, totals, use, label, extra={"rate": None, **sums})
        totals.update({f"{key}_{use}": value for key, value in sums.items()})
    totals["payable"], totals["previous_payable"] = _vat_payable(now), _vat_payable(before)
    rows.append(
        Row(
            "payable",
            str(_("VAT payable")),
            balance=totals["payable"],
            previous=totals["previous_payable"],
            extra={"rate": None, "base": None, "previous_base": None, "self_assessed": None},
            total=True,
        )
    )
    columns = [
        ("rate", _("Rate, %")),
        ("base", _("Base")),
        ("previous_base", _("Base, previous period")),
        ("self_assessed", _("Self-assessed")),
    ]
    labels = {"balance": _("Tax"), "previous": _("Tax, previous period")}
    return Report("vat", str(_("VAT report")), params, rows, totals, columns, labels)


# --- the registry: what the pages, the exports and the API serve ----------------------


@dataclass(frozen=True)
class Kind:
    """A report the platform serves: its page with the previous period beside it, drill-down
    to the lines, XLSX, CSV and PDF of the same figures, and ``/api/v1/accounting/reports/<name>/``.

    ``sided``: the report shows debit and credit. ``cost_centre``: the report narrows by cost
    centre; a report whose figures are on lines that carry none (the VAT report: tax lines
    have no cost centre) refuses the parameter rather than show a half-narrowed figure."""

    build: Callable[[Params], Report]
    label: Any
    sided: bool = False
    cost_centre: bool = True

    def __call__(self, params: Params) -> Report:
        return self.build(params)

    def read(self, company: Company, data: Mapping[str, str], today: datetime.date) -> Params:
        """The parameters of a query string for this report (see :func:`read_params`)."""
        return read_params(company, data, today, cost_centre=self.cost_centre)


REPORTS: dict[str, Kind] = {
    "trial-balance": Kind(trial_balance, _("Trial balance"), sided=True),
    "general-ledger": Kind(general_ledger, _("General ledger"), sided=True),
    "balance-sheet": Kind(balance_sheet, _("Balance sheet")),
    "profit-and-loss": Kind(profit_and_loss, _("Profit and loss")),
    "cash-flow": Kind(cash_flow, _("Cash flow")),
    "aged-receivables": Kind(aged_receivables, _("Aged receivables")),
    "aged-payables": Kind(aged_payables, _("Aged payables")),
    "partner-ledger": Kind(partner_ledger, _("Partner ledger"), sided=True),
    "vat": Kind(vat, _("VAT report"), cost_centre=False),
}


def drill_lines(params: Params, drill: dict[str, Any]) -> QuerySet[JournalLine]:
    """The posted lines that make up one figure: the filters a report row names (``Row.drill``)."""
    return narrow(posted_lines(params), drill)


def narrow(lines: QuerySet[JournalLine], drill: Mapping[str, Any]) -> QuerySet[JournalLine]:
    """``lines`` narrowed by a drill-down's filters (see :func:`read_drill`)."""
    if "cost_centre" in drill:
        lines = lines.filter(cost_centre_id=drill["cost_centre"])
    if "start" in drill:
        lines = lines.filter(date__gte=drill["start"])
    if "end" in drill:
        lines = lines.filter(date__lte=drill["end"])
    if "account" in drill:
        lines = lines.filter(account_id=drill["account"])
    if drill.get("account_type") == "pl":
        lines = lines.filter(account__type__in=_PL_TYPES)
    subtype = drill.get("account_subtype")
    if subtype == "cash":
        lines = lines.filter(account__subtype__in=CASH)
    elif subtype == "partner":
        lines = lines.filter(account__subtype__in=[Subtype.RECEIVABLE, Subtype.PAYABLE])
    elif subtype in _SIDE.values():
        lines = lines.filter(account__subtype=subtype)
    if "cash_flow" in drill:
        lines = lines.filter(cash_flow_filter(int(drill["cash_flow"])))
    if "tax" in drill:  # its tax lines and the lines it was computed on
        carries = JournalLine.taxes.through.objects.filter(journalline_id=OuterRef("pk"), tax_id=drill["tax"])
        if "rate" in drill:  # at one rate: its tax lines posted at it and the entries they are in
            at_rate = JournalLine.objects.filter(
                entry_id=OuterRef("entry_id"), tax_id=drill["tax"], tax_rate=drill["rate"]
            )
            lines = lines.filter(
                Q(tax_id=drill["tax"], tax_rate=drill["rate"]) | (Exists(carries) & Exists(at_rate))
            )
        else:
            lines = lines.filter(Q(tax_id=drill["tax"]) | Exists(carries))
    if "partner" in drill:
        partner = drill["partner"]
        lines = lines.filter(partner__isnull=True) if partner == "none" else lines.filter(partner_id=partner)
    return lines


# --- reading the parameters a page, an export or the API was given ----------------------

DRILL_KEYS = (
    "start",
    "end",
    "account",
    "partner",
    "cost_centre",
    "account_type",
    "account_subtype",
    "cash_flow",
    "tax",
    "rate",
)


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """This month so far: what a report shows before anyone picks a period."""
    return today.replace(day=1), today


def read_params(
    company: Company, data: Mapping[str, str], today: datetime.date, *, cost_centre: bool = True
) -> Params:
    """The report parameters of a query string: ``start``, ``end`` (ISO dates), ``cost_centre``
    (an id of this company's; another company's is a 404 like any record it cannot see; refused
    when the report does not narrow by cost centre, ``cost_centre`` False).
    A value that cannot be read is a :class:`ValidationFailed` naming the parameter."""
    errors: dict[str, list[str]] = {}
    start, end = default_period(today)
    start = _date(data, "start", start, errors)
    end = _date(data, "end", end, errors)
    if not errors and start > end:
        errors["end"] = [str(_("The end is before the start."))]
    centre = None
    text = data.get("cost_centre", "")
    if text and not cost_centre:
        errors["cost_centre"] = [str(_("This report does not take a cost centre."))]
    elif text:
        if not text.isdigit() or len(text) > 18:
            errors["cost_centre"] = [str(_("Choose a cost centre."))]
        else:
            centre = CostCentre.objects.filter(company=company, pk=int(text)).first()
            if centre is None:
                raise Http404(_("There is no such cost centre."))
    if errors:
        raise ValidationFailed(errors)
    return Params(company, start, end, centre)


def _date(
    data: Mapping[str, str], name: str, default: datetime.date, errors: dict[str, list[str]]
) -> datetime.date:
    text = data.get(name, "")
    if not text:
        return default
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:
        errors[name] = [str(_("Enter a date as YYYY-MM-DD."))]
        return default
    if not 1900 <= value.year <= 2999:
        errors[name] = [str(_("Enter a date between the years 1900 and 2999."))]
        return default
    return value


def read_drill(data: Mapping[str, str]) -> dict[str, Any]:
    """The line filters of a drill-down link (``Row.drill``), checked; unknown keys ignored."""
    drill: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in ("account", "cost_centre", "cash_flow", "tax"):
        text = data.get(key, "")
        if text:
            if not text.isdigit() or len(text) > 18 or (key == "cash_flow" and int(text) >= len(_CASH_FLOW)):
                errors[key] = [str(_("Enter a whole number."))]
            else:
                drill[key] = int(text)
    rate = data.get("rate", "")
    if rate:
        try:
            drill["rate"] = Decimal(rate)
        except ArithmeticError:
            errors["rate"] = [str(_("Enter a number."))]
        else:
            if not drill["rate"].is_finite() or abs(drill["rate"]) > 100:
                del drill["rate"]
                errors["rate"] = [str(_("Enter a number."))]
    partner = data.get("partner", "")
    if partner:
        if partner != "none" and (not partner.isdigit() or len(partner) > 18):
            errors["partner"] = [str(_("Enter a whole number."))]
        else:
            drill["partner"] = partner if partner == "none" else int(partner)
    for key, allowed in (("account_type", {"pl"}), ("account_subtype", {"cash", "partner", *_SIDE.values()})):
        text = data.get(key, "")
        if text:
            if text in allowed:
                drill[key] = text
            else:
                errors[key] = [
                    str(_("Choose one of: %(choices)s.")) % {"choices": ", ".join(sorted(allowed))}
                ]
    for key in ("start", "end"):
        if data.get(key):
            drill[key] = _date(data, key, datetime.date.today(), errors)
    if errors:
        raise ValidationFailed(errors)
    return drill
