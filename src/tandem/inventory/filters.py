"""The one FilterSet per inventory model, shared by the web lists and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.filters import IdFilter
from tandem.inventory.models import Count, Location, Lot, MoveLine, Quant, Transfer, Warehouse
from tandem.partners.models import Partner


def _warehouses(request: Any) -> QuerySet[Warehouse]:
    return Warehouse.objects.visible_to(getattr(request, "user", None))


def _locations(request: Any) -> QuerySet[Location]:
    return Location.objects.visible_to(getattr(request, "user", None))


def _products(request: Any) -> QuerySet[Product]:
    return Product.objects.visible_to(getattr(request, "user", None))


def _partners(request: Any) -> QuerySet[Partner]:
    return Partner.objects.visible_to(getattr(request, "user", None))


class WarehouseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Warehouse
        fields = ["search", "active"]

    def filter_search(self, rows: QuerySet[Warehouse], name: str, value: str) -> QuerySet[Warehouse]:
        return rows.filter(Q(name__icontains=value) | Q(code__icontains=value))


class LocationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Location.Kind.choices, label=_("Kind"))
    warehouse = django_filters.ModelChoiceFilter(queryset=_warehouses, label=_("Warehouse"))
    barcode = django_filters.CharFilter(label=_("Barcode"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Location
        fields = ["search", "kind", "warehouse", "barcode", "active"]

    def filter_search(self, rows: QuerySet[Location], name: str, value: str) -> QuerySet[Location]:
        return rows.filter(Q(path__icontains=value) | Q(barcode=value))


class LotFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    expires_before = django_filters.DateFilter(
        field_name="expiry_date", lookup_expr="lte", label=_("Expires by")
    )

    class Meta:
        model = Lot
        fields = ["search", "product", "expires_before"]


class TransferFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Transfer.Kind.choices, label=_("Kind"))
    state = django_filters.ChoiceFilter(choices=Transfer.State.choices, label=_("State"))
    warehouse = django_filters.ModelChoiceFilter(queryset=_warehouses, label=_("Warehouse"))
    partner = django_filters.ModelChoiceFilter(queryset=_partners, label=_("Partner"))
    origin = django_filters.CharFilter(label=_("Source document"))

    class Meta:
        model = Transfer
        fields = ["search", "kind", "state", "warehouse", "partner", "origin"]

    def filter_search(self, rows: QuerySet[Transfer], name: str, value: str) -> QuerySet[Transfer]:
        return rows.filter(Q(number__icontains=value) | Q(origin__icontains=value))


class MoveLineFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    location = django_filters.ModelChoiceFilter(
        queryset=_locations, method="filter_location", label=_("Location")
    )
    lot = IdFilter(field_name="lot_id", label=_("Lot"))
    transfer = IdFilter(field_name="move__transfer_id", label=_("Transfer"))
    done_after = django_filters.IsoDateTimeFilter(
        field_name="done_at", lookup_expr="gte", label=_("Done since")
    )

    class Meta:
        model = MoveLine
        fields = ["product", "location", "lot", "transfer", "done_after"]

    def filter_location(self, rows: QuerySet[MoveLine], name: str, value: Location) -> QuerySet[MoveLine]:
        return rows.filter(Q(source_location=value) | Q(dest_location=value))


class QuantFilter(django_filters.FilterSet):
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    location = django_filters.ModelChoiceFilter(queryset=_locations, label=_("Location"))
    warehouse = django_filters.ModelChoiceFilter(
        queryset=_warehouses, field_name="location__warehouse", label=_("Warehouse")
    )

    class Meta:
        model = Quant
        fields = ["product", "location", "warehouse"]


class CountFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Count.State.choices, label=_("State"))
    location = django_filters.ModelChoiceFilter(queryset=_locations, label=_("Location"))

    class Meta:
        model = Count
        fields = ["state", "location"]
