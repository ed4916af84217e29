"""Funnel analytics, the weighted forecast and the monthly KPIs: SQL aggregates over what the
reader may see (``Deal.objects.visible_to``), never a Python loop over deals.

Money figures (won revenue, average deal size, lost amounts, forecast) are in one currency, the
company's unless asked otherwise: a deal in another is converted at the rate of the day it was
won or lost, or of its expected close date while open (``queries.valued``); one of a currency
with no known rate counts in the figures that are not money only. Counts, win rate and cycle
length take every deal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.core import roles
from tandem.core.models import User
from tandem.crm.models import Activity, Deal, DealStageEntry, Pipeline, SalesTarget, SalesTeam, Stage
from tandem.crm.models.rules import sees_all, visible_people
from tandem.crm.queries import valued, weighted

ZERO = Decimal(0)
CENT = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Scope:
    """What the figures are about: a pipeline, a salesperson or a team, a period (inclusive
    dates) and the currency money is added up in."""

    start: date
    end: date
    currency: str
    pipeline: Pipeline | None = None
    owner: User | None = None
    team: SalesTeam | None = None

    @property
    def since(self) -> datetime:
        return _aware(self.start)

    @property
    def until(self) -> datetime:
        return _aware(self.end + timedelta(days=1))


def deals(user: Any, scope: Scope) -> QuerySet[Deal]:
    rows = Deal.objects.visible_to(user)
    if scope.pipeline is not None:
        rows = rows.filter(pipeline=scope.pipeline)
    if scope.owner is not None:
        rows = rows.filter(owner=scope.owner)
    if scope.team is not None:
        rows = rows.filter(team=scope.team)
    return rows


@dataclass
class StageRow:
    stage: Stage
    entered: int = 0  # deals that entered the stage in the period
    reached: int = 0  # of the deals created in the period, how many got this far
    conversion: Decimal | None = None  # reached of the next stage / reached of this one, in %
    share: Decimal = ZERO  # reached / reached of the first stage, in % (the bar's length)


@dataclass
class LostRow:
    reason: str
    count: int
    amount: Decimal


@dataclass
class Funnel:
    scope: Scope
    stages: list[StageRow]
    created: int
    won: int
    lost: int
    win_rate: Decimal | None
    won_amount: Decimal
    average_deal: Decimal | None
    cycle_days: Decimal | None
    lost_reasons: list[LostRow] = field(default_factory=list)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def funnel(user: Any, scope: Scope) -> Funnel:
    """Five queries whatever the number of deals: stages, entries per stage in the period,
    the cohort's furthest stage, the closed deals' figures, and the lost reasons."""
    rows = deals(user, scope)
    visible = Exists(rows.filter(pk=OuterRef("deal_id")))
    stages: list[Stage] = []
    if scope.pipeline is not None:
        stages = list(scope.pipeline.stages.exclude(is_lost=True).order_by("sequence", "id"))
    entries = DealStageEntry.objects.filter(visible)
    if scope.pipeline is not None:
        entries = entries.filter(pipeline=scope.pipeline)
    result: list[StageRow] = [StageRow(stage) for stage in stages]
    if stages:
        entered = dict(
            entries.filter(entered_at__gte=scope.since, entered_at__lt=scope.until)
            .values("stage_id")
            .annotate(n=Count("deal_id", distinct=True))
            .order_by()
            .values_list("stage_id", "n")
        )
        cohort = entries.filter(deal__created_at__gte=scope.since, deal__created_at__lt=scope.until)
        reached = cohort.aggregate(
            **{
                f"s{stage.pk}": Count(
                    "deal_id",
                    distinct=True,
                    filter=Q(stage__is_won=True)
                    | Q(stage__is_lost=False, stage__sequence__gte=stage.sequence)
                    if not stage.is_won
                    else Q(stage__is_won=True),
                )
                for stage in stages
            }
        )
        for index, row in enumerate(result):
            row.entered = entered.get(row.stage.pk, 0)
            row.reached = reached[f"s{row.stage.pk}"] or 0
            if index + 1 < len(result):
                following = reached[f"s{result[index + 1].stage.pk}"] or 0
                row.conversion = _percent(following, row.reached)
        top = result[0].reached if result else 0
        for row in result:
            row.share = _percent(row.reached, top) or ZERO
    closed = valued(
        rows.filter(closed_at__gte=scope.since, closed_at__lt=scope.until), scope.currency, "closed_at__date"
    )
    won = Q(state=Deal.State.WON)
    figures = closed.aggregate(
        won=Count("id", filter=won),
        lost=Count("id", filter=Q(state=Deal.State.LOST)),
        won_amount=Sum("value", filter=won),
        won_in_currency=Count("value", filter=won),
        cycle=Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()), filter=won
        ),
    )
    created = rows.filter(created_at__gte=scope.since, created_at__lt=scope.until).count()
    won_amount = (figures["won_amount"] or ZERO).quantize(CENT)
    cycle = figures["cycle"]
    lost_reasons = [
        LostRow(row["lost_reason__name"] or "", row["n"], (row["amount"] or ZERO).quantize(CENT))
        for row in closed.filter(state=Deal.State.LOST)
        .values("lost_reason__name")
        .annotate(n=Count("id"), amount=Sum("value"))
        .order_by("-n", "lost_reason__name")
    ]
    return Funnel(
        scope=scope,
        stages=result,
        created=created,
        won=figures["won"],
        lost=figures["lost"],
        win_rate=_percent(figures["won"], figures["won"] + figures["lost"]),
        won_amount=won_amount,
        average_deal=(won_amount / figures["won_in_currency"]).quantize(CENT)
        if figures["won_in_currency"]
        else None,
        cycle_days=Decimal(cycle.total_seconds() / 86400).quantize(Decimal("0.1")) if cycle else None,
        lost_reasons=lost_reasons,
    )


@dataclass
class ForecastMonth:
    month: date
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO
    won: Decimal = ZERO
    share: Decimal = ZERO  # weighted / the largest month's weighted, in % (the bar's length)


def forecast(user: Any, scope: Scope, months: int = 6) -> list[ForecastMonth]:
    """Open deals by month of expected close from the scope's start month: count, amount and
    the amount weighted by probability; beside them what was already won in that month. Two
    queries."""
    first = month_start(scope.start)
    last = first
    for _i in range(months):
        last = next_month(last)
    rows = deals(user, scope)
    table = {first: ForecastMonth(first)}
    day = first
    for _i in range(months - 1):
        day = next_month(day)
        table[day] = ForecastMonth(day)
    open_rows = (
        valued(
            rows.filter(state=Deal.State.OPEN, expected_close__gte=first, expected_close__lt=last),
            scope.currency,
            "expected_close",
        )
        .annotate(month=TruncMonth("expected_close"))
        .values("month")
        .annotate(n=Count("id"), total=Sum("value"), weight=Sum(weighted("value")))
        .order_by("month")
    )
    for row in open_rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        entry = table.get(month)
        if entry is not None:
            entry.count = row["n"]
            entry.amount = (row["total"] or ZERO).quantize(CENT)
            entry.weighted = (row["weight"] or ZERO).quantize(CENT)
    won_rows = (
        valued(
            rows.filter(state=Deal.State.WON, closed_at__gte=_aware(first), closed_at__lt=_aware(last)),
            scope.currency,
            "closed_at__date",
        )
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(amount=Sum("value"))
        .order_by("month")
    )
    for row in won_rows:
        month = row["month"]
        month = timezone.localtime(month).date() if isinstance(month, datetime) else month
        entry = table.get(month.replace(day=1))
        if entry is not None:
            entry.won = (row["amount"] or ZERO).quantize(CENT)
    result = list(table.values())
    top = max((entry.weighted + entry.won for entry in result), default=ZERO)
    for entry in result:
        entry.share = ((entry.weighted + entry.won) * 100 / top).quantize(Decimal("0.1")) if top else ZERO
    return result


# --- plans and KPIs ---------------------------------------------------------------------------


@dataclass
class Progress:
    """Won revenue, deals won and activities done in a month against the target (if any)."""

    label: str
    user: User | None = None
    team: SalesTeam | None = None
    revenue: Decimal = ZERO
    deals: int = 0
    activities: int = 0
    target: SalesTarget | None = None
    rank: int = 0

    def _ratio(self, done: Decimal | int, goal: Decimal | int | None) -> Decimal | None:
        if not goal:
            return None
        return (Decimal(done) * 100 / Decimal(goal)).quantize(Decimal("0.1"))

    @property
    def revenue_progress(self) -> Decimal | None:
        return self._ratio(self.revenue, self.target.revenue if self.target else None)

    @property
    def deals_progress(self) -> Decimal | None:
        return self._ratio(self.deals, self.target.deals if self.target else None)

    @property
    def activities_progress(self) -> Decimal | None:
        return self._ratio(self.activities, self.target.activities if self.target else None)


@dataclass
class Kpis:
    month: date
    currency: str
    people: list[Progress]
    teams: list[Progress]


NO_DEAL = -1  # an activity on a customer alone, in the KPIs' grouping by team


def _teams_of_people(company: Any, people: set[int]) -> dict[int, set[int]]:
    """``{person: the company's teams they are in or lead}`` for ``people``, in one query."""
    if not people:
        return {}
    found: dict[int, set[int]] = {}
    for team_id, leader_id, member_id in SalesTeam.objects.filter(
        Q(leader_id__in=people) | Q(members__in=people), company=company
    ).values_list("pk", "leader_id", "members"):
        for person in (leader_id, member_id):
            if person in people:
                found.setdefault(person, set()).add(team_id)
    return found


def kpis(user: Any, company: Any, month: date, leader: User | None = None) -> Kpis:
    """Each salesperson's and each team's month: five aggregate queries (won deals by owner, won
    deals by team, done activities by assignee and team, targets, teams) and the ranking by
    revenue. A team's revenue and deals are those of the deals that count for it (``Deal.team``),
    each deal once whichever teams its owner is in; so are its activities: one done on a deal
    counts for the deal's team (whoever did it), one on a customer alone for the assignee's team
    when they are in (or lead) one team only — as a new deal gets its team — never for every team
    its assignee is in (a sixth query reads those teams, only when such activities were done).

    ``leader`` narrows the figures to one sales manager's: the teams they lead, their members and
    themselves (one query more) — always within what ``user`` may see."""
    first = month_start(month)
    since, until = _aware(first), _aware(next_month(first))
    won_in_month = valued(
        Deal.objects.visible_to(user).filter(state=Deal.State.WON, closed_at__gte=since, closed_at__lt=until),
        company.currency_id,
        "closed_at__date",
    )
    in_currency = Sum("value")
    won = (
        won_in_month.filter(owner__isnull=False)
        .values("owner_id")
        .annotate(n=Count("id"), amount=in_currency)
        .order_by()
    )
    won_by_team = {
        row["team_id"]: row
        for row in won_in_month.filter(team__isnull=False)
        .values("team_id")
        .annotate(n=Count("id"), amount=in_currency)
        .order_by()
    }
    # done activities by who did them and the team they count for: the deal's team (none for a deal
    # without one), or NO_DEAL for an activity on a customer alone (the assignee's one team, below)
    done = (
        Activity.objects.visible_to(user)
        .filter(state=Activity.State.DONE, done_at__gte=since, done_at__lt=until, assignee__isnull=False)
        .annotate(
            counts_for=Case(
                When(deal__isnull=True, then=Value(NO_DEAL)), default=F("deal__team_id"),
                output_field=IntegerField(),
            )
        )
        .values("assignee_id", "counts_for")
        .annotate(n=Count("id"))
        .order_by()
    )  # fmt: skip
    targets = list(SalesTarget.objects.visible_to(user).filter(month=first).select_related("user", "team"))
    everyone = sees_all(user)
    people: dict[int, Progress] = {}

    def person(row_user: User) -> Progress:
        if row_user.pk not in people:
            people[row_user.pk] = Progress(str(row_user), user=row_user)
        return people[row_user.pk]

    people_seen = visible_people(user, company)
    if leader is not None:
        led = SalesTeam.members.through.objects.filter(
            salesteam__leader=leader, salesteam__company=company, user_id=OuterRef("pk")
        )
        people_seen = people_seen.filter(Q(pk=leader.pk) | Q(Exists(led)))
    users = {u.pk: u for u in people_seen}
    sellers = people_seen.filter(groups__name=roles.SALESPERSON)
    for seller in sellers:  # every salesperson has a row, even on a quiet month
        person(seller)
    for target in targets:
        if target.user is not None and target.user_id in users:
            person(target.user).target = target
    for row in won:
        if row["owner_id"] in users:
            entry = person(users[row["owner_id"]])
            entry.deals = row["n"]
            entry.revenue = (row["amount"] or ZERO).quantize(CENT)
    team_activities: dict[int, int] = {}
    done_rows = list(done)
    teams_of = _teams_of_people(
        company, {row["assignee_id"] for row in done_rows if row["counts_for"] == NO_DEAL}
    )
    for row in done_rows:
        if row["assignee_id"] in users:
            person(users[row["assignee_id"]]).activities += row["n"]
        team_id = row["counts_for"]
        if team_id == NO_DEAL:  # on a customer alone: the assignee's team when they are in one only
            theirs = teams_of.get(row["assignee_id"], set())
            team_id = next(iter(theirs)) if len(theirs) == 1 else None
        if team_id is not None:
            team_activities[team_id] = team_activities.get(team_id, 0) + row["n"]
    ranked = sorted(people.values(), key=lambda p: (-p.revenue, -p.deals, -p.activities, p.label))
    for position, entry in enumerate(ranked, start=1):
        entry.rank = position
    teams: list[Progress] = []
    team_rows = SalesTeam.objects.visible_to(user).order_by("name")
    if not everyone:
        team_rows = team_rows.filter(Q(members=user) | Q(leader=user)).distinct()
    if leader is not None:
        team_rows = team_rows.filter(leader=leader)
    team_targets = {t.team_id: t for t in targets if t.team_id is not None}
    for team in team_rows:
        entry = Progress(team.name, team=team, target=team_targets.get(team.pk))
        figures = won_by_team.get(team.pk)
        if figures is not None:
            entry.deals = figures["n"]
            entry.revenue = (figures["amount"] or ZERO).quantize(CENT)
        entry.activities = team_activities.get(team.pk, 0)
        teams.append(entry)
    teams.sort(key=lambda p: (-p.revenue, -p.deals, p.label))
    for position, entry in enumerate(teams, start=1):
        entry.rank = position
    return Kpis(first, company.currency_id, ranked, teams)
