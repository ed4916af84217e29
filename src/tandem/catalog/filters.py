"""The one FilterSet per catalogue model, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog import queries
from tandem.catalog.models import Category, PriceList, Product
from tandem.core.identifiers import InvalidIdentifier, normalize_barcode
from tandem.partners.models import CustomerGroup


def _categories(request: Any) -> QuerySet[Category]:
    return Category.objects.visible_to(getattr(request, "user", None))


class ProductFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=Product.Kind.choices, label=_("Kind"))
    category = django_filters.ModelChoiceFilter(queryset=_categories, label=_("Category"))
    sku = django_filters.CharFilter(label=_("SKU"))
    barcode = django_filters.CharFilter(method="filter_barcode", label=_("Barcode"))
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Changed since")
    )

    class Meta:
        model = Product
        fields = ["search", "kind", "category", "sku", "barcode", "active"]

    def filter_search(self, rows: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queries.search(rows, value)

    def filter_barcode(self, rows: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        try:
            value = normalize_barcode(value)
        except InvalidIdentifier:
            value = value.strip()
        return rows.filter(barcode=value)


class CategoryFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="path", lookup_expr="icontains", label=_("Search"))
    parent = django_filters.ModelChoiceFilter(queryset=_categories, label=_("Parent"))

    class Meta:
        model = Category
        fields = ["search", "parent"]


def _groups(request: Any) -> QuerySet[CustomerGroup]:
    return CustomerGroup.objects.visible_to(getattr(request, "user", None))


class PriceListFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label=_("Active"))
    customer_group = django_filters.ModelChoiceFilter(queryset=_groups, label=_("Customer group"))

    class Meta:
        model = PriceList
        fields = ["active", "currency", "customer_group"]
