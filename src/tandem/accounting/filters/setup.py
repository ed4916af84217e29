"""Filters of the books' settings lists (API and pages)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Tax


class TaxFilter(django_filters.FilterSet):
    use = django_filters.ChoiceFilter(choices=Tax.Use.choices, label=_("Used on"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Tax
        fields = ["use", "active"]
