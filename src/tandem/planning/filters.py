"""The one FilterSet of reorder rules, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.planning import queries
from tandem.planning.models import ReorderRule


def _products(request: Any) -> QuerySet[Product]:
    return Product.objects.visible_to(getattr(request, "user", None))


def _warehouses(request: Any) -> QuerySet[Warehouse]:
    return Warehouse.objects.visible_to(getattr(request, "user", None))


class ReorderRuleFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    warehouse = django_filters.ModelChoiceFilter(queryset=_warehouses, label=_("Warehouse"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ReorderRule
        fields = ["search", "product", "warehouse", "active"]

    def filter_search(self, rows: QuerySet[ReorderRule], name: str, value: str) -> QuerySet[ReorderRule]:
        return queries.search(rows, value)
