"""The one FilterSet per purchasing model, shared by the web list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.partners.models import Partner
from tandem.purchasing.models import PurchaseOrder, PurchaseRequest, SupplierPrice


def _suppliers(request: Any) -> QuerySet[Partner]:
    return Partner.objects.visible_to(getattr(request, "user", None)).filter(is_supplier=True)


def _products(request: Any) -> QuerySet[Product]:
    return Product.objects.visible_to(getattr(request, "user", None))


class SupplierPriceFilter(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(queryset=_suppliers, label=_("Supplier"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = SupplierPrice
        fields = ["partner", "product", "active"]


class RequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PurchaseRequest.State.choices, label=_("State"))
    product = django_filters.ModelChoiceFilter(queryset=_products, label=_("Product"))
    partner = django_filters.ModelChoiceFilter(queryset=_suppliers, label=_("Supplier"))

    class Meta:
        model = PurchaseRequest
        fields = ["state", "product", "partner"]


class OrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PurchaseOrder.State.choices, label=_("State"))
    partner = django_filters.ModelChoiceFilter(queryset=_suppliers, label=_("Supplier"))
    number = django_filters.CharFilter(label=_("Number"))

    class Meta:
        model = PurchaseOrder
        fields = ["state", "partner", "number"]
