"""The one FilterSet of reorder rules, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.planning import queries
from tandem.planning.models import Forecast, MrpRun, PlannedOrder, ProductPlanning, ReorderRule


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


def _runs(request: Any) -> QuerySet[MrpRun]:
    return MrpRun.objects.visible_to(getattr(request, "user", None))


class ForecastFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    warehouse = django_filters.ModelChoiceFilter(queryset=_warehouses, label=_("Warehouse"))
    month = django_filters.DateFilter(label=_("Month"))

    class Meta:
        model = Forecast
        fields = ["search", "product", "warehouse", "month"]

    def filter_search(self, rows: QuerySet[Forecast], name: str, value: str) -> QuerySet[Forecast]:
        return queries.search(rows, value)


class ProductPlanningFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    policy = django_filters.ChoiceFilter(choices=ProductPlanning.Policy.choices, label=_("Lot sizing"))

    class Meta:
        model = ProductPlanning
        fields = ["search", "product", "policy"]

    def filter_search(
        self, rows: QuerySet[ProductPlanning], name: str, value: str
    ) -> QuerySet[ProductPlanning]:
        return queries.search(rows, value)


class MrpRunFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=MrpRun.State.choices, label=_("State"))

    class Meta:
        model = MrpRun
        fields = ["state"]


class PlannedOrderFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    run = django_filters.ModelChoiceFilter(queryset=_runs, label=_("MRP run"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    kind = django_filters.ChoiceFilter(choices=PlannedOrder.Kind.choices, label=_("Make or buy"))
    state = django_filters.ChoiceFilter(choices=PlannedOrder.State.choices, label=_("State"))

    class Meta:
        model = PlannedOrder
        fields = ["search", "run", "product", "kind", "state"]

    def filter_search(self, rows: QuerySet[PlannedOrder], name: str, value: str) -> QuerySet[PlannedOrder]:
        return queries.search(rows, value)
