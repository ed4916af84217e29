"""The FilterSets of manufacturing, shared by the web lists and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.filters import IdFilter
from tandem.manufacturing import queries
from tandem.manufacturing.models import (
    Bom,
    ManufacturingOrder,
    QualityAlert,
    QualityCheck,
    QualityPoint,
    Routing,
    WorkCentre,
    WorkOrder,
)


def _products(request: Any) -> QuerySet[Product]:
    return Product.objects.visible_to(getattr(request, "user", None))


def _centres(request: Any) -> QuerySet[WorkCentre]:
    return WorkCentre.objects.visible_to(getattr(request, "user", None))


class _Search(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    search_fields: tuple[str, ...] = ()

    def filter_search(self, rows: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queries.search(rows, value, *self.search_fields)


class WorkCentreFilter(_Search):
    search_fields = ("name", "code")
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = WorkCentre
        fields = ["search", "active"]


class RoutingFilter(_Search):
    search_fields = ("name",)
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Routing
        fields = ["search", "active"]


class BomFilter(_Search):
    search_fields = ("reference", "product__name", "product__sku")
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    kind = django_filters.ChoiceFilter(choices=Bom.Kind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Bom
        fields = ["search", "product", "kind", "active"]


class OrderFilter(_Search):
    search_fields = ("number", "reference", "origin", "product__name", "product__sku")
    state = django_filters.ChoiceFilter(choices=ManufacturingOrder.State.choices, label=_("State"))
    source = django_filters.ChoiceFilter(choices=ManufacturingOrder.Source.choices, label=_("Source"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))

    class Meta:
        model = ManufacturingOrder
        fields = ["search", "state", "source", "product"]


class WorkOrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=WorkOrder.State.choices, label=_("State"))
    work_centre = django_filters.ModelChoiceFilter(queryset=_centres, label=_("Work centre"))
    order = IdFilter(label=_("Manufacturing order"))

    class Meta:
        model = WorkOrder
        fields = ["state", "work_centre", "order"]


class QualityPointFilter(_Search):
    search_fields = ("title", "product__name", "product__sku")
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = QualityPoint
        fields = ["search", "product", "active"]


class QualityCheckFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=QualityCheck.State.choices, label=_("State"))
    order = IdFilter(label=_("Manufacturing order"))

    class Meta:
        model = QualityCheck
        fields = ["state", "order"]


class QualityAlertFilter(_Search):
    search_fields = ("description",)
    state = django_filters.ChoiceFilter(choices=QualityAlert.State.choices, label=_("State"))

    class Meta:
        model = QualityAlert
        fields = ["search", "state"]
