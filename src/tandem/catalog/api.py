"""The catalogue over HTTP: products (with their price for a customer), categories, price lists.

Amounts and quantities travel as decimal strings ("12.5000"); a JSON number with a
fraction is read as a Decimal, never through a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, RetrieveMixin, ServiceModelViewSet, ServiceViewSet
from tandem.catalog import queries, services
from tandem.catalog.filters import CategoryFilter, PriceListFilter, ProductFilter
from tandem.catalog.models import (
    MEASURE_DIGITS,
    MEASURE_PLACES,
    PRICE_DIGITS,
    PRICE_PLACES,
    Category,
    PriceList,
    PriceListItem,
    Product,
)
from tandem.core.models import Currency, Uom
from tandem.core.text import name_key
from tandem.partners.models import CustomerGroup, Partner

PRODUCT_FIELDS = [
    "id", "kind", "name", "sku", "barcode", "category", "uom", "sales_price", "cost", "description", "active",
    "tracking", "use_expiry", "allow_negative_stock", "weight", "volume", "make_to_order", "created_at",
    "updated_at", "version",
]  # fmt: skip
BARCODE_INPUT_MAX = 32  # as typed, with spaces; stored as compact digits


def _amount(**kwargs: Any) -> serializers.DecimalField:
    """Money as a decimal string with the model's precision."""
    digits, places = PRICE_DIGITS, PRICE_PLACES
    return serializers.DecimalField(max_digits=digits, decimal_places=places, coerce_to_string=True, **kwargs)


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True, **kwargs)


def _measure(**kwargs: Any) -> serializers.DecimalField:
    """A unit's weight (kg) or volume (m³), as a decimal string."""
    return serializers.DecimalField(
        max_digits=MEASURE_DIGITS, decimal_places=MEASURE_PLACES, coerce_to_string=True, min_value=Decimal(0),
        **kwargs,
    )  # fmt: skip


class ProductSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sales_price = _amount(read_only=True)
    cost = _amount(read_only=True)
    weight = _measure(read_only=True)
    volume = _measure(read_only=True)

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        read_only_fields = PRODUCT_FIELDS


class ProductWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    category = ScopedPrimaryKeyField(queryset=Category.objects.all(), required=False, allow_null=True)
    uom = serializers.SlugRelatedField(slug_field="code", queryset=Uom.objects.all())
    barcode = serializers.CharField(required=False, allow_blank=True, max_length=BARCODE_INPUT_MAX)
    sales_price = _amount(required=False)
    cost = _amount(required=False)
    weight = _measure(required=False)
    volume = _measure(required=False)

    class Meta:
        model = Product
        fields = ["kind", "name", "sku", "barcode", "category", "uom", "sales_price", "cost", "description",
                  "active", "tracking", "use_expiry", "allow_negative_stock", "weight", "volume",
                  "make_to_order", "version"]  # fmt: skip
        read_only_fields = ["version"]
        validators: list[Any] = []  # SKU and barcode uniqueness: the service's business

    def validate_name(self, value: str) -> str:
        if len(name_key(value)) > Product._meta.get_field("name_key").max_length:  # type: ignore[operator]
            raise serializers.ValidationError(_("The name is too long."))
        return value


class PriceQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    quantity = _quantity(required=False, default=Decimal(1))
    date = serializers.DateField(required=False)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.filter(active=True),
                                            required=False)  # fmt: skip

    def validate_quantity(self, value: Decimal) -> Decimal:
        if value <= 0:
            raise serializers.ValidationError(_("Enter a quantity greater than zero."))
        return value


class PriceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField()
    partner = serializers.IntegerField(allow_null=True)
    quantity = _quantity()
    date = serializers.DateField()
    unit_price = _amount()
    currency = serializers.CharField()
    price_list = serializers.IntegerField(allow_null=True)
    price_list_item = serializers.IntegerField(allow_null=True)


class ProductViewSet(ServiceModelViewSet):
    """Products and services. DELETE archives; ``price/`` answers what a customer pays."""

    model = Product
    serializer_class = ProductSerializer
    write_serializer_class = ProductWriteSerializer
    filterset_class = ProductFilter
    list_select_related = ("uom",)
    ordering_fields = ("id", "name_key", "sku", "created_at", "updated_at")

    def perform_service_create(self, data: dict[str, Any]) -> Product:
        return services.create_product(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Product, data: dict[str, Any], expected_version: int | None
    ) -> Product:
        return services.update_product(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Product, expected_version: int | None) -> None:
        services.update_product(instance, self.actor, expected_version=expected_version, active=False)

    @extend_schema(parameters=[PriceQuerySerializer], responses=PriceSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def price(self, request: Request, pk: str | None = None) -> Response:
        """The unit price for ``partner`` buying ``quantity`` on ``date`` (price lists, breaks, groups)."""
        product = self.get_object()
        query = self.validated(
            PriceQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        )
        on = query.get("date") or timezone.localdate()
        partner = query.get("partner")
        found = queries.price_for(product, partner, query["quantity"], on, query.get("currency"))
        answer = {
            "product": product.pk, "partner": partner.pk if partner else None, "quantity": query["quantity"],
            "date": on, "unit_price": found.unit_price, "currency": found.currency.code,
            "price_list": found.price_list.pk if found.price_list else None,
            "price_list_item": found.item.pk if found.item else None,
        }  # fmt: skip
        return Response(PriceSerializer(answer).data)


class CategorySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "path"]
        read_only_fields = fields


class CategoryWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    parent = ScopedPrimaryKeyField(  # type: ignore[assignment]  # the field, not Field.parent
        queryset=Category.objects.all(), required=False, allow_null=True
    )


class CategoryViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    model = Category
    serializer_class = CategorySerializer
    write_serializer_class = CategoryWriteSerializer
    filterset_class = CategoryFilter
    ordering_fields = ("id", "path")

    def perform_service_create(self, data: dict[str, Any]) -> Category:
        return services.create_category(self.company, self.actor, **data)


class PriceListSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PriceList
        fields = ["id", "name", "currency", "customer_group", "active"]
        read_only_fields = fields


class PriceListWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.filter(active=True))
    customer_group = ScopedPrimaryKeyField(
        queryset=CustomerGroup.objects.all(), required=False, allow_null=True
    )
    active = serializers.BooleanField(required=False, default=True)


class PriceItemSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    price = _amount()
    min_quantity = _quantity(required=False, default=Decimal(0))

    class Meta:
        model = PriceListItem
        fields = ["id", "product", "min_quantity", "price", "valid_from", "valid_to"]
        read_only_fields = ["id"]


class PriceListViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Price lists; ``prices/`` lists and adds their rows (quantity breaks, dated prices)."""

    model = PriceList
    serializer_class = PriceListSerializer
    write_serializer_class = PriceListWriteSerializer
    filterset_class = PriceListFilter
    ordering_fields = ("id", "name")

    def perform_service_create(self, data: dict[str, Any]) -> PriceList:
        return services.create_price_list(self.company, self.actor, **data)

    @extend_schema(methods=["GET"], responses=PriceItemSerializer(many=True))
    @extend_schema(methods=["POST"], request=PriceItemSerializer, responses={201: PriceItemSerializer})
    @action(
        detail=True, methods=["get", "post"], filter_backends=[], serializer_class=PriceItemSerializer,
        changes_record=True,
        required_perms={"GET": ["catalog.view_pricelistitem"], "POST": ["catalog.add_pricelistitem"]},
    )  # fmt: skip
    def prices(self, request: Request, pk: str | None = None) -> Response:
        price_list = self.get_object()
        if request.method == "POST":
            data = self.validated(self.get_serializer(data=request.data))
            expected = self.expected_version(price_list)
            item = services.set_price(price_list, self.actor, expected_version=expected, **data)
            return Response(self.get_serializer(item).data, status=201)
        items = price_list.items.order_by("-id")
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
