"""Reads of the CRM: the board's columns (count and weighted sum per stage, in SQL), the next
activity of each deal, the agenda."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.core.models import Currency
from tandem.core.money import converted_in_sql
from tandem.crm.models import Activity, Deal, Pipeline, Stage, stalled_q

MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)


def search_deals(rows: QuerySet[Deal], text: str) -> QuerySet[Deal]:
    condition = Q()
    for word in text.split():
        condition &= Q(title__icontains=word) | Q(partner__name__icontains=word)
    return rows.filter(condition)


def probability() -> Any:
    return Coalesce("probability", "stage__probability")


def weighted(amount: str = "amount") -> Any:
    """The deal's ``amount`` column (or an annotation, its amount converted) times its
    probability."""
    return ExpressionWrapper(F(amount) * probability() / Value(Decimal(100)), output_field=MONEY)


def valued(rows: QuerySet[Deal], currency: str, on: str | date) -> QuerySet[Deal]:
    """Each deal with ``value``: its amount in ``currency`` at the rate of ``on`` (a date column
    of the deal, or a day) — deals in several currencies are added up as money, never as
    numbers; NULL, left out of sums, where no rate is known."""
    return rows.annotate(value=converted_in_sql("amount", "currency_id", on, Currency(pk=currency)))


def with_next_activity(rows: QuerySet[Deal]) -> QuerySet[Deal]:
    """Each deal's first planned activity: its subject, kind and due time (two subqueries)."""
    planned = Activity.objects.filter(deal=OuterRef("pk"), state=Activity.State.PLANNED).order_by(
        "due_at", "id"
    )
    return rows.annotate(
        next_subject=Subquery(planned.values("subject")[:1]),
        next_due=Subquery(planned.values("due_at")[:1]),
    )


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    deals: list[Deal] = field(default_factory=list)


CARDS_PER_COLUMN = 50


def board(pipeline: Pipeline, rows: QuerySet[Deal], currency: str) -> list[Column]:
    """A column per stage (lost deals stay off the board): count and weighted sum of every
    deal in it, in ``currency`` (the company's) at today's rates (one aggregate query), and its
    first cards (one query)."""
    stages = list(pipeline.stages.filter(is_lost=False).order_by("sequence", "id"))
    rows = rows.filter(pipeline=pipeline).exclude(state=Deal.State.LOST)
    columns = {stage.pk: Column(stage) for stage in stages}
    totals = (
        valued(rows, currency, timezone.localdate())
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("value"), weight=Sum(weighted("value")))
        .order_by()
    )
    for total in totals:
        column = columns.get(total["stage_id"])
        if column is not None:
            column.count = total["n"]
            column.amount = total["total"] or Decimal(0)
            column.weighted = (total["weight"] or Decimal(0)).quantize(Decimal("0.01"))
    cards = (
        with_next_activity(rows.select_related("partner", "owner", "currency", "stage"))
        .annotate(stalled=Case(When(stalled_q(), then=True), default=False, output_field=BooleanField()))
        .order_by("stage_id", "expected_close", "-id")
    )
    # each stage's first cards, one query per stage (a pipeline has a handful); a column past
    # CARDS_PER_COLUMN says how many more there are.
    for stage in stages:
        if columns[stage.pk].count:
            columns[stage.pk].deals = list(cards.filter(stage=stage)[:CARDS_PER_COLUMN])
    return [columns[stage.pk] for stage in stages]


@dataclass
class Agenda:
    overdue: list[Activity]
    today: list[Activity]
    week: list[Activity]


def agenda(rows: QuerySet[Activity], user: Any, now: datetime | None = None) -> Agenda:
    """The person's planned activities: overdue, due today, due later this week (7 days)."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = start + timedelta(days=1)
    week_end = start + timedelta(days=8)
    planned = (
        rows.filter(assignee=user, state=Activity.State.PLANNED, due_at__lt=week_end)
        .select_related("deal", "partner")
        .order_by("due_at", "id")
    )
    overdue, today, week = [], [], []
    for activity in planned[:500]:
        due = activity.due_at
        assert due is not None
        if due < now:
            overdue.append(activity)
        elif due < tomorrow:
            today.append(activity)
        else:
            week.append(activity)
    return Agenda(overdue, today, week)
