"""Filters of the CRM's set-up lists: lost reasons."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.crm.models import LostReason


class LostReasonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="find", label=_("Search"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = LostReason
        fields = ["search", "active"]

    def find(self, rows: QuerySet[LostReason], name: str, value: str) -> QuerySet[LostReason]:
        for word in value.split():
            rows = rows.filter(name__icontains=word)
        return rows
