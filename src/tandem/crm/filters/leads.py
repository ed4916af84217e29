"""The lead FilterSet, shared by the list page, its export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.crm.filters import _people
from tandem.crm.models import Lead


def search_leads(rows: QuerySet[Lead], text: str) -> QuerySet[Lead]:
    condition = Q()
    for word in text.split()[:8]:
        condition &= (
            Q(title__icontains=word)
            | Q(company_name__icontains=word)
            | Q(contact_name__icontains=word)
            | Q(email__icontains=word)
            | Q(phone__icontains=word)
        )
    return rows.filter(condition)


class LeadFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    state = django_filters.ChoiceFilter(choices=Lead.State.choices, label=_("State"))
    source = django_filters.ChoiceFilter(choices=Lead.Source.choices, label=_("Source"))
    timeline = django_filters.ChoiceFilter(choices=Lead.Timeline.choices, label=_("Timeline"))
    owner = django_filters.ModelChoiceFilter(queryset=_people, label=_("Salesperson"))
    unassigned = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull", label=_("Unassigned"))

    class Meta:
        model = Lead
        fields = ["search", "state", "source", "timeline", "owner", "unassigned"]

    def filter_search(self, rows: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return search_leads(rows, value)
