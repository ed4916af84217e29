"""Budget reads: the lines a posting touches, and budget against actual (SQL aggregates)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from tandem.accounting.models import Budget, BudgetLine, Invoice, JournalEntry, JournalLine
from tandem.accounting.queries.reports import MONEY, ZERO, exact
from tandem.core.models import Event


def active_lines_on(
    company_id: int, accounts: Iterable[int] | None, day: datetime.date
) -> QuerySet[BudgetLine]:
    """Active budgets' lines on these accounts (None: on any) whose period holds ``day``."""
    rows = BudgetLine.objects.filter(
        company_id=company_id,
        budget__active=True,
        period__start__lte=day,
        period__end__gte=day,
    ).select_related("budget", "account", "cost_centre", "period")
    return rows.filter(account_id__in=list(accounts)) if accounts is not None else rows


def _posted(line: BudgetLine | None = None) -> QuerySet[JournalLine]:
    if line is not None:
        rows = JournalLine.objects.filter(
            company_id=line.company_id,
            posted=True,
            account_id=line.account_id,
            date__gte=line.period.start,
            date__lte=line.period.end,
        )
        return rows.filter(cost_centre_id=line.cost_centre_id) if line.cost_centre_id else rows
    return JournalLine.objects.filter(
        company_id=OuterRef("company_id"),
        posted=True,
        account_id=OuterRef("account_id"),
        date__gte=OuterRef("period__start"),
        date__lte=OuterRef("period__end"),
    )


def actual(line: BudgetLine) -> Decimal:
    """What is posted on the line's account (and cost centre) in its period: debit minus credit."""
    found = _posted(line).aggregate(
        amount=Coalesce(Sum(F("debit") - F("credit")), Value(ZERO), output_field=MONEY)
    )
    return Decimal(exact(found)["amount"])


def _sum(rows: QuerySet[JournalLine]) -> Subquery:
    summed = rows.values("account_id").annotate(amount=Sum(F("debit") - F("credit"))).values("amount")
    return Subquery(summed, output_field=MONEY)


def budget_vs_actual(budget: Budget) -> list[dict[str, Any]]:
    """Every line of the budget with what was posted against it, in one query."""
    everywhere = _sum(_posted())
    in_centre = _sum(_posted().filter(cost_centre_id=OuterRef("cost_centre_id")))
    rows = (
        budget.lines.annotate(
            actual=Coalesce(
                Case(When(cost_centre__isnull=True, then=everywhere), default=in_centre),
                Value(ZERO),
                output_field=MONEY,
            )
        )
        .values(
            "account__code",
            "account__name",
            "cost_centre__code",
            "period__name",
            "period__start",
            "amount",
            "actual",
        )
        .order_by("account__code", "cost_centre__code", "period__start")
    )
    found = []
    for row in map(exact, rows):
        difference = row["amount"] - row["actual"]
        used = (row["actual"] / row["amount"] * 100).quantize(Decimal(1)) if row["amount"] else None
        found.append({**row, "difference": difference, "used": used})
    return found


def overrun_sentences(record: JournalEntry | Invoice, user: Any) -> list[str]:
    """The warning budgets the posting of ``record`` (an entry, or the invoice that posted one)
    went over, as sentences on its page and in its API detail (``core.registry.RecordWarnings``)."""
    entry = record if isinstance(record, JournalEntry) else record.entry
    return [
        _(
            "This posting exceeds the budget “%(budget)s” for %(account)s in %(period)s: "
            "%(actual)s against %(amount)s planned."
        )
        % {
            "budget": found.get("budget", ""),
            "account": found.get("account", ""),
            "period": found.get("period", ""),
            "actual": found.get("actual", ""),
            "amount": found.get("budget_amount", ""),
        }
        for found in overrun_warnings(entry)
    ]


def overrun_warnings(entry: JournalEntry | None) -> list[dict[str, Any]]:
    """What a warning budget recorded when ``entry`` was posted over it (``budget.exceeded``:
    budget, account, cost centre, period, planned and actual), oldest first; the posting stood."""
    if entry is None:
        return []
    return list(
        Event.objects.filter(
            name="budget.exceeded",
            subject_type=ContentType.objects.get_for_model(JournalEntry),
            subject_id=str(entry.pk),
        )
        .order_by("id")
        .values_list("data", flat=True)
    )
