"""The one FilterSet per sales model, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder


def _customers(request: Any) -> QuerySet[Partner]:
    return Partner.objects.visible_to(getattr(request, "user", None)).filter(is_customer=True)


class OrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=SalesOrder.State.choices, label=_("State"))
    partner = django_filters.ModelChoiceFilter(queryset=_customers, label=_("Customer"))
    number = django_filters.CharFilter(label=_("Number"))

    class Meta:
        model = SalesOrder
        fields = ["state", "partner", "number"]
