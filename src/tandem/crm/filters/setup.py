"""Filters of the CRM's set-up lists: lost reasons, sales teams, sales targets."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core.models import User
from tandem.crm.models import LostReason, SalesTarget, SalesTeam
from tandem.crm.models.rules import visible_people


def _by_name(rows: QuerySet[Any], text: str) -> QuerySet[Any]:
    for word in text.split():
        rows = rows.filter(name__icontains=word)
    return rows


class LostReasonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="find", label=_("Search"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = LostReason
        fields = ["search", "active"]

    def find(self, rows: QuerySet[LostReason], name: str, value: str) -> QuerySet[LostReason]:
        return _by_name(rows, value)


def _people(request: Any) -> QuerySet[User]:
    return visible_people(getattr(request, "user", None))


def _teams(request: Any) -> QuerySet[SalesTeam]:
    return SalesTeam.objects.visible_to(getattr(request, "user", None))


class SalesTeamFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="find", label=_("Search"))
    member = django_filters.ModelChoiceFilter(
        queryset=_people, method="with_member", label=_("Member or leader")
    )

    class Meta:
        model = SalesTeam
        fields = ["search", "member"]

    def find(self, rows: QuerySet[SalesTeam], name: str, value: str) -> QuerySet[SalesTeam]:
        return _by_name(rows, value)

    def with_member(self, rows: QuerySet[SalesTeam], name: str, value: User) -> QuerySet[SalesTeam]:
        return rows.filter(Q(leader=value) | Q(members=value)).distinct()


class SalesTargetFilter(django_filters.FilterSet):
    month = django_filters.DateFilter(
        input_formats=["%Y-%m", "%Y-%m-%d"], method="in_month", label=_("Month")
    )
    user = django_filters.ModelChoiceFilter(queryset=_people, label=_("Salesperson"))
    team = django_filters.ModelChoiceFilter(queryset=_teams, label=_("Team"))

    class Meta:
        model = SalesTarget
        fields = ["month", "user", "team"]

    def in_month(self, rows: QuerySet[SalesTarget], name: str, value: Any) -> QuerySet[SalesTarget]:
        return rows.filter(month=value.replace(day=1))
