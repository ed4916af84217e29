"""The one FilterSet per CRM model, shared by the web lists, the board and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core.filters import IdFilter
from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.crm import queries
from tandem.crm.models import Activity, Communication, Deal, Pipeline, SalesTeam, Stage
from tandem.partners.models import Partner, Tag

PERIODS = [
    ("overdue", _("Expected close passed")),
    ("this_month", _("Closing this month")),
    ("next_month", _("Closing next month")),
    ("this_quarter", _("Closing this quarter")),
]


def _user(request: Any) -> Any:
    return getattr(request, "user", None)


def _people(request: Any) -> QuerySet[User]:
    company = allowed_company(_user(request))
    if company is None:
        return User.objects.none()
    return User.objects.filter(companies=company)


def _pipelines(request: Any) -> QuerySet[Pipeline]:
    return Pipeline.objects.visible_to(_user(request))


def _stages(request: Any) -> QuerySet[Stage]:
    return Stage.objects.visible_to(_user(request))


def _tags(request: Any) -> QuerySet[Tag]:
    return Tag.objects.visible_to(_user(request))


def _teams(request: Any) -> QuerySet[SalesTeam]:
    return SalesTeam.objects.visible_to(_user(request))


def period_range(name: str) -> tuple[Any, Any] | None:
    today = timezone.localdate()
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    if name == "this_month":
        return first, next_first - timedelta(days=1)
    if name == "next_month":
        return next_first, (next_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if name == "this_quarter":
        start = first.replace(month=(first.month - 1) // 3 * 3 + 1)
        end = start
        for _i in range(3):
            end = (end + timedelta(days=32)).replace(day=1)
        return start, end - timedelta(days=1)
    return None


class DealFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=Deal.State.choices, label=_("State"))
    pipeline = django_filters.ModelChoiceFilter(queryset=_pipelines, label=_("Pipeline"))
    stage = django_filters.ModelChoiceFilter(queryset=_stages, label=_("Stage"))
    owner = django_filters.ModelChoiceFilter(queryset=_people, label=_("Salesperson"))
    team = django_filters.ModelChoiceFilter(queryset=_teams, method="filter_team", label=_("Team"))
    tag = django_filters.ModelChoiceFilter(queryset=_tags, method="filter_tag", label=_("Customer tag"))
    period = django_filters.ChoiceFilter(choices=PERIODS, method="filter_period", label=_("Period"))
    source = django_filters.ChoiceFilter(choices=Deal.Source.choices, label=_("Source"))
    partner = IdFilter(field_name="partner_id", label=_("Customer"))

    class Meta:
        model = Deal
        fields = [
            "search",
            "state",
            "pipeline",
            "stage",
            "owner",
            "team",
            "tag",
            "period",
            "source",
            "partner",
        ]

    def filter_search(self, rows: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return queries.search_deals(rows, value)

    def filter_team(self, rows: QuerySet[Deal], name: str, value: SalesTeam | None) -> QuerySet[Deal]:
        """The deals that count for the team (``Deal.team``) — within the rows one sees already (a
        filter only narrows: a salesperson picking a team sees their own deals of it, no one else's)."""
        if value is None:
            return rows
        return rows.filter(team=value)

    def filter_tag(self, rows: QuerySet[Deal], name: str, value: Tag | None) -> QuerySet[Deal]:
        """The deals of customers wearing the tag."""
        if value is None:
            return rows
        return rows.filter(
            Exists(Partner.tags.through.objects.filter(tag=value, partner_id=OuterRef("partner_id")))
        )

    def filter_period(self, rows: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        if value == "overdue":
            return rows.filter(state=Deal.State.OPEN, expected_close__lt=timezone.localdate())
        span = period_range(value)
        return rows.filter(expected_close__range=span) if span else rows


class ActivityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="subject", lookup_expr="icontains", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(choices=Activity.State.choices, label=_("State"))
    assignee = django_filters.ModelChoiceFilter(queryset=_people, label=_("Assigned to"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    deal = IdFilter(field_name="deal_id", label=_("Deal"))
    partner = IdFilter(field_name="partner_id", label=_("Customer"))

    class Meta:
        model = Activity
        fields = ["search", "kind", "state", "assignee", "overdue", "deal", "partner"]

    def filter_overdue(self, rows: QuerySet[Activity], name: str, value: bool | None) -> QuerySet[Activity]:
        if value is None:
            return rows
        late = Q(state=Activity.State.PLANNED, due_at__lt=timezone.now())
        return rows.filter(late) if value else rows.exclude(late)


class PipelineFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Pipeline
        fields = ["active"]


class StageFilter(django_filters.FilterSet):
    pipeline = IdFilter(field_name="pipeline_id", label=_("Pipeline"))

    class Meta:
        model = Stage
        fields = ["pipeline"]


class CommunicationFilter(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=Communication.Channel.choices, label=_("Channel"))
    direction = django_filters.ChoiceFilter(choices=Communication.Direction.choices, label=_("Direction"))
    partner = IdFilter(field_name="partner_id", label=_("Customer"))

    class Meta:
        model = Communication
        fields = ["channel", "direction", "partner"]
