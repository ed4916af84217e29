"""Sums of posted lines over a range of dates, read from the monthly balances where whole months
allow it and from the lines only for the days at either end.

``[start, end]`` splits into the whole months inside it (read from ``AccountBalance``,
``PartnerBalance`` or ``CostCentreBalance``: a row per account, partner or cost centre and
month) and at most two stretches of days before and after them (read from the lines, through
the ``company, account, date`` indexes). A year's report reads 12 rows per account instead of
every line; a period that starts or ends mid-month reads that month's lines too. The figures
are the same as summing every line: the balances hold exact sums (see ``models/balances.py``)
and the invariant ``balances equal the posted lines`` checks them.

:func:`lines_only` reads every range from the lines, as the reports did before: the property
tests compare the two.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    UNITS,
    AccountBalance,
    CostCentreBalance,
    JournalLine,
    PartnerBalance,
)

ZERO = Decimal(0)
PLACES = Decimal(1).scaleb(-MONEY_PLACES)
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
WHOLE: BigIntegerField[int, int] = BigIntegerField()
DAY = datetime.timedelta(days=1)

# (expression over debit and credit, condition or None): the same on lines and on balances
Sums = Mapping[str, tuple[Any, Q | None]]

_read_balances = True


@contextmanager
def lines_only() -> Iterator[None]:
    """Read every range from the lines (the reference the fast path is compared with)."""
    global _read_balances
    before, _read_balances = _read_balances, False
    try:
        yield
    finally:
        _read_balances = before


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Span:
    """``[start, end]`` as whole months (first days, ``None``: from the first) and days."""

    months: tuple[datetime.date | None, datetime.date] | None
    days: tuple[tuple[datetime.date | None, datetime.date], ...]


def split(start: datetime.date | None, end: datetime.date) -> Span:
    if not _read_balances:
        return Span(None, ((start, end),))
    last = end.replace(day=1) if end == month_end(end) else (end.replace(day=1) - DAY).replace(day=1)
    if start is None:
        first = None
    elif start.day == 1:
        first = start
    else:
        first = month_end(start) + DAY
    if first is not None and first > last:
        return Span(None, ((start, end),))
    days: list[tuple[datetime.date | None, datetime.date]] = []
    if start is not None and first is not None and start < first:
        days.append((start, first - DAY))
    if end > month_end(last):
        days.append((month_end(last) + DAY, end))
    return Span((first, last), tuple(days))


def to_money(units: int | Decimal | None) -> Decimal:
    return Decimal(units or 0).scaleb(-MONEY_PLACES).quantize(PLACES)


def _within(rows: QuerySet[Any], months: tuple[datetime.date | None, datetime.date]) -> QuerySet[Any]:
    first, last = months
    rows = rows.filter(month__lte=last)
    return rows.filter(month__gte=first) if first is not None else rows


def _grouped(rows: QuerySet[Any], group: Sequence[str], annotations: dict[str, Any]) -> list[dict[str, Any]]:
    if not group:
        return [rows.aggregate(**annotations)]
    return list(rows.values(*group).annotate(**annotations).order_by())


def _add(
    into: dict[tuple[Any, ...], dict[str, Any]],
    rows: list[dict[str, Any]],
    group: Sequence[str],
    names: Sequence[str],
    convert: Any,
    sign: int = 1,
) -> None:
    for row in rows:
        key = tuple(row[g] for g in group)
        found = into.setdefault(key, {**{g: row[g] for g in group}, "count": 0, **dict.fromkeys(names, ZERO)})
        found["count"] += sign * (row["count"] or 0)
        for name in names:
            found[name] += sign * convert(row[name])


def _exact(value: Decimal | None) -> Decimal:
    return Decimal(value or ZERO).quantize(PLACES)  # SQLite adds decimals in floating point


def total(
    lines: QuerySet[JournalLine],
    balances: QuerySet[Any] | None,
    start: datetime.date | None,
    end: datetime.date,
    group: Sequence[str],
    sums: Sums,
    *,
    unassigned: tuple[QuerySet[Any], str] | None = None,
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Per ``group`` (fields that lines and balances share), each of ``sums`` over the lines of
    ``lines`` dated in ``[start, end]`` (``start`` None: from the first), and ``count``: how
    many lines. ``lines`` and ``balances`` are narrowed alike (company, cost centre, accounts);
    ``balances`` None reads the lines only. ``unassigned``: balances of every line and the name
    of the key ``balances`` hold only when set (a partner): what they lack is grouped under None.
    Groups without lines are left out."""
    span = split(start, end) if balances is not None else Span(None, ((start, end),))
    names = list(sums)
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    if balances is not None and _read_balances:
        # The months and each end run as a query of their own whatever the range (one may find
        # nothing), so that a page makes the same queries on the last day of a month as on any
        # other (query counts are pinned); one range per query, so each walks its index.
        nothing = (end + DAY, end)
        span = Span(span.months or nothing, (*span.days, nothing, nothing)[:2])
    if span.months is not None and balances is not None:
        whole = {
            name: Coalesce(Sum(expression, filter=condition), Value(0), output_field=WHOLE)
            for name, (expression, condition) in sums.items()
        }
        whole["count"] = Coalesce(Sum("line_count"), Value(0), output_field=WHOLE)
        kept = _grouped(_within(balances, span.months), group, whole)
        _add(found, kept, group, names, to_money)
        if unassigned is not None:  # what every line holds less what the assigned ones hold
            every, key = unassigned
            blank = {g: None for g in group if g.startswith(key)}
            rest = [g for g in group if g not in blank]
            _add(found, [{**row, **blank} for row in _grouped(_within(every, span.months), rest, whole)],
                 group, names, to_money)  # fmt: skip
            _add(found, [{**row, **blank} for row in kept], group, names, to_money, sign=-1)
    money: dict[str, Any] = {
        name: Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=MONEY)
        for name, (expression, condition) in sums.items()
    }
    money["count"] = Count("id")
    for first_day, last_day in span.days:
        days = lines.filter(date__lte=last_day)
        days = days.filter(date__gte=first_day) if first_day is not None else days
        _add(found, _grouped(days, group, money), group, names, _exact)
    return {key: row for key, row in found.items() if row["count"]}


def account_balances(company_id: int, cost_centre_id: int | None = None) -> QuerySet[Any]:
    """The monthly balances of a company's accounts (of one cost centre's lines when given)."""
    if cost_centre_id is not None:
        return CostCentreBalance.objects.filter(company_id=company_id, cost_centre_id=cost_centre_id)
    return AccountBalance.objects.filter(company_id=company_id)


def partner_balances(company_id: int) -> QuerySet[PartnerBalance]:
    return PartnerBalance.objects.filter(company_id=company_id)


# --- the invariant: the balances are the sums of the posted lines ----------------------------

_KEYS: list[tuple[type[Any], tuple[str, ...]]] = [
    (AccountBalance, ("company_id", "account_id")),
    (PartnerBalance, ("company_id", "account_id", "partner_id")),
    (CostCentreBalance, ("company_id", "cost_centre_id", "account_id")),
]


Figures = tuple[int, int, int]  # debit, credit (UNITS) and lines


def differences(limit: int = 20) -> list[tuple[str, tuple[Any, ...], Figures, Figures]]:
    """Balance rows that differ from the posted lines they sum: ``[(table, key, (debit, credit,
    lines) kept, (debit, credit, lines) of the lines)]``, amounts in ``UNITS``."""
    from django.db.models.functions import TruncMonth

    found: list[tuple[str, tuple[Any, ...], Figures, Figures]] = []
    nothing: Figures = (0, 0, 0)
    for model, keys in _KEYS:
        lines = JournalLine.objects.filter(posted=True)
        for key in keys:
            if key in ("partner_id", "cost_centre_id"):
                lines = lines.filter(**{f"{key}__isnull": False})
        expected: dict[tuple[Any, ...], Figures] = {
            (*(row[k] for k in keys), row["month"]): (
                int(_exact(row["debit"]) * UNITS),
                int(_exact(row["credit"]) * UNITS),
                int(row["lines"]),
            )
            for row in lines.annotate(month=TruncMonth("date"))
            .values(*keys, "month")
            .annotate(debit=Sum("debit"), credit=Sum("credit"), lines=Count("id"))
            .order_by()
        }
        kept: dict[tuple[Any, ...], Figures] = {
            (*(row[k] for k in keys), row["month"]): (row["debit"], row["credit"], row["line_count"])
            for row in model.objects.values(*keys, "month", "debit", "credit", "line_count")
        }
        for row_key in sorted(set(expected) | set(kept), key=str):
            if kept.get(row_key, nothing) != expected.get(row_key, nothing):
                name = str(model._meta.model_name)
                found.append((name, row_key, kept.get(row_key, nothing), expected.get(row_key, nothing)))
                if len(found) >= limit:
                    return found
    return found
