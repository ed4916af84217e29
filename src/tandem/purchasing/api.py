"""``/api/v1/purchasing/``: supplier prices, purchase requests (``rfqs`` groups them into RFQs)
and purchase orders with their lines; ``send``, ``confirm``, ``approve``, ``reject``, ``receive``,
``bill`` and ``cancel`` are POSTs on the order. Thin: services write.

Prices (unit prices, amounts, supplier prices) are left out of what a reader without
``purchasing.view_purchase_prices`` gets — in the list, the record and the CSV export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import RecordDataField, ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import (
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceModelViewSet,
    ServiceViewSet,
    UpdateMixin,
)
from tandem.catalog.models import Product
from tandem.core.models import Currency, Uom
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.purchasing import services
from tandem.purchasing.filters import OrderFilter, RequestFilter, SupplierPriceFilter
from tandem.purchasing.models import (
    VIEW_PRICES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    SupplierPrice,
)

PRICE_FIELDS = {"price", "price_unit", "amount", "amount_total", "amount_company"}
CHANGE = ["purchasing.change_purchaseorder"]
VIEW = ["purchasing.view_purchaseorder"]


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True, **kwargs)


class PriceHidingMixin:
    """Drop the price fields for a reader who may not see purchase prices."""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.has_perm(VIEW_PRICES):
            for name in PRICE_FIELDS:
                fields.pop(name, None)
        return fields


# --- supplier prices ------------------------------------------------------------------------


class SupplierPriceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SupplierPrice
        fields = [
            "id",
            "version",
            "partner",
            "product",
            "supplier_sku",
            "price",
            "uom",
            "currency",
            "min_quantity",
            "lead_time_days",
            "valid_from",
            "valid_to",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The unit the price is per (null: the product's)."
    )


class SupplierPriceWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.filter(active=True), required=False
    )
    price = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0))
    uom = serializers.SlugRelatedField(
        slug_field="code", queryset=Uom.objects.all(), required=False, allow_null=True,
        help_text="The purchase unit the price and minimum quantity are per (null: the product's unit).",
    )  # fmt: skip
    min_quantity = serializers.DecimalField(
        max_digits=18, decimal_places=4, min_value=Decimal(0), required=False
    )

    class Meta:
        model = SupplierPrice
        fields = services.PRICE_FIELDS


class SupplierPriceViewSet(ServiceModelViewSet):
    """What suppliers ask per product. DELETE archives."""

    model = SupplierPrice
    serializer_class = SupplierPriceSerializer
    write_serializer_class = SupplierPriceWriteSerializer
    filterset_class = SupplierPriceFilter
    ordering_fields = ("id", "price", "lead_time_days")

    def perform_service_create(self, data: dict[str, Any]) -> SupplierPrice:
        return services.create_supplier_price(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: SupplierPrice, data: dict[str, Any], expected_version: int | None
    ) -> SupplierPrice:
        return services.update_supplier_price(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: SupplierPrice, expected_version: int | None) -> None:
        services.update_supplier_price(instance, self.actor, expected_version=expected_version, active=False)


# --- purchase requests ----------------------------------------------------------------------


class PurchaseRequestSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity = _quantity(read_only=True)
    order = serializers.SerializerMethodField()
    bought_for = serializers.SerializerMethodField(
        help_text="the transfer (a delivery, or a manufacturing order's components) it is bought for"
    )

    class Meta:
        model = PurchaseRequest
        fields = [
            "id",
            "product",
            "quantity",
            "uom",
            "needed_by",
            "order_by",
            "warehouse",
            "partner",
            "origin",
            "state",
            "order",
            "bought_for",
            "created_at",
        ]
        read_only_fields = fields

    def get_order(self, row: PurchaseRequest) -> int | None:
        return row.order_line.order_id if row.order_line is not None else None

    def get_bought_for(self, row: PurchaseRequest) -> int | None:
        return row.demand_move.transfer_id if row.demand_move is not None else None


class PurchaseRequestDetailSerializer(PurchaseRequestSerializer):
    """One purchase request, with what apps above purchasing add to it."""

    made_for = RecordDataField(
        help_text="Every demand MRP planned it for (deliveries, manufacturing orders' components), each "
        "with its quantity; empty when MRP did not plan it or the reader may not see planned orders. On "
        "the request itself, not in lists."
    )

    class Meta(PurchaseRequestSerializer.Meta):
        fields = [*PurchaseRequestSerializer.Meta.fields, "made_for"]
        read_only_fields = fields


class PurchaseRequestWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = serializers.SlugRelatedField(slug_field="code", queryset=Uom.objects.all(), required=False)
    needed_by = serializers.DateField(required=False, allow_null=True)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    origin = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RfqsSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    requests = ScopedPrimaryKeyField(queryset=PurchaseRequest.objects.all(), many=True, required=False)


class RfqsResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    orders = serializers.ListField(child=serializers.IntegerField())
    without_supplier = serializers.ListField(child=serializers.IntegerField())


class PurchaseRequestViewSet(RetrieveMixin, CreateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """What to buy, until it is on an RFQ. ``rfqs/`` groups open requests into RFQs per supplier."""

    model = PurchaseRequest
    serializer_class = PurchaseRequestSerializer
    detail_serializer_class = PurchaseRequestDetailSerializer
    write_serializer_class = PurchaseRequestWriteSerializer
    filterset_class = RequestFilter
    list_select_related = ("uom", "order_line", "demand_move")
    ordering_fields = ("id", "needed_by")
    http_method_names = ["get", "post", "head", "options"]

    def perform_service_create(self, data: dict[str, Any]) -> PurchaseRequest:
        return services.create_request(self.company, self.actor, **data)

    @extend_schema(request=None, responses=PurchaseRequestDetailSerializer)
    @action(detail=True, methods=["post"], required_perms=["purchasing.change_purchaserequest"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an open request."""
        return self.respond(services.cancel_request(self.get_object(), self.actor))

    @extend_schema(request=RfqsSerializer, responses=RfqsResultSerializer)
    @action(
        detail=False, methods=["post"], required_perms=["purchasing.add_purchaseorder"], filter_backends=[]
    )
    def rfqs(self, request: Request) -> Response:
        """Group the given open requests (all open ones when none are given) into RFQs per supplier."""
        data = self.validated(RfqsSerializer(data=request.data, context=self.get_serializer_context()))
        chosen = data.get("requests") or list(self.get_queryset().filter(state=PurchaseRequest.State.OPEN))
        result = services.create_rfqs(self.company, self.actor, chosen)
        body = {
            "orders": [o.pk for o in result.orders],
            "without_supplier": [r.pk for r in result.without_supplier],
        }
        return Response(RfqsResultSerializer(body).data)


# --- purchase orders -------------------------------------------------------------------------


class OrderLineSerializer(PriceHidingMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity = _quantity(read_only=True)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "product", "description", "quantity", "uom", "price_unit", "expected_date", "amount"]
        read_only_fields = fields


class PurchaseOrderSerializer(PriceHidingMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "version",
            "number",
            "state",
            "partner",
            "currency",
            "warehouse",
            "receipt",
            "order_date",
            "expected_date",
            "supplier_reference",
            "notes",
            "amount_total",
            "amount_company",
            "created_by",
            "sent_at",
            "confirmed_at",
            "lines",
        ]
        read_only_fields = fields


class PurchaseOrderDetailSerializer(PurchaseOrderSerializer):
    """One purchase order, with what apps above purchasing add to it."""

    bought_for = RecordDataField(
        help_text="Per line that gathers purchase requests MRP planned: every demand it is bought for "
        "(deliveries, manufacturing orders' components), each with its quantity, and the day to order "
        "by; empty when MRP planned none of it. On the order itself, not in lists."
    )

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [*PurchaseOrderSerializer.Meta.fields, "bought_for"]
        read_only_fields = fields


class OrderLineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    price_unit = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    uom = serializers.SlugRelatedField(slug_field="code", queryset=Uom.objects.all(), required=False)
    expected_date = serializers.DateField(required=False, allow_null=True)


class PurchaseOrderWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.filter(active=True), required=False
    )
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    lines = OrderLineWriteSerializer(many=True, required=False)

    class Meta:
        model = PurchaseOrder
        fields = [*services.ORDER_HEADER, "lines"]


def _lines(data: dict[str, Any]) -> list[services.OrderLineData] | None:
    given = data.pop("lines", None)
    if given is None:
        return None
    return [services.OrderLineData(**row) for row in given]


class ReceiveLineSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)


class ReceiveSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    lines = ReceiveLineSerializer(many=True)


class BillSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    invoice_date = serializers.DateField(required=False)
    supplier_reference = serializers.CharField(max_length=64, required=False, allow_blank=True)


class BillResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    bill = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class RejectSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class PurchaseOrderViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """RFQs and purchase orders with their lines. RFQs change (PUT/PATCH with their lines);
    ``send/`` e-mails the PDF, ``confirm/`` confirms (or asks for approval), ``approve/`` and
    ``reject/`` are the approvers', ``receive/`` takes goods in, ``bill/`` drafts the supplier bill."""

    model = PurchaseOrder
    serializer_class = PurchaseOrderSerializer
    detail_serializer_class = PurchaseOrderDetailSerializer
    write_serializer_class = PurchaseOrderWriteSerializer
    filterset_class = OrderFilter
    list_prefetch_related = ("lines__uom",)
    ordering_fields = ("id", "order_date", "expected_date")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {
        "DELETE": ["%(app_label)s.change_%(model_name)s"]
    }  # deleting an RFQ is a purchaser's

    def perform_service_create(self, data: dict[str, Any]) -> PurchaseOrder:
        return services.create_order(self.company, self.actor, lines=_lines(data) or [], **data)

    def perform_service_update(
        self, instance: PurchaseOrder, data: dict[str, Any], expected_version: int | None
    ) -> PurchaseOrder:
        lines = _lines(data)
        return services.update_order(
            instance, self.actor, expected_version=expected_version, lines=lines, **data
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete an RFQ never sent (others are cancelled: 409)."""
        order = self.get_object()
        self.expected_version(order)
        services.delete_draft(order, self.actor)
        return Response(status=204)

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """E-mail the RFQ or order with its PDF to the supplier, in the supplier's language."""
        return self.act(lambda order, _version: services.send_order(order, self.actor))

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the RFQ; above the company's approval limits it waits for approval instead."""
        return self.act(lambda order, _version: services.confirm_order(order, self.actor))

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=VIEW)
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """The approver the order waits for approves (never the order's own purchaser)."""
        return self.act(lambda order, _version: services.approve_order(order, self.actor))

    @extend_schema(request=RejectSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=VIEW)
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Send the order back to its purchaser as a draft."""
        data = self.validated(RejectSerializer(data=request.data))
        return self.act(
            lambda order, _version: services.reject_order(order, self.actor, reason=data.get("reason", ""))
        )

    @extend_schema(request=ReceiveSerializer, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def receive(self, request: Request, pk: str | None = None) -> Response:
        """Take goods in: a quantity per order line; less than expected leaves a backorder."""
        data = self.validated(ReceiveSerializer(data=request.data))
        quantities = {row["line"]: row["quantity"] for row in data["lines"]}
        return self.act(
            lambda order, _version: services.receive_order(order, self.actor, quantities=quantities)
        )

    @extend_schema(request=BillSerializer, responses={201: BillResultSerializer})
    @action(detail=True, methods=["post"], required_perms=[*VIEW, "accounting.add_invoice"])
    def bill(self, request: Request, pk: str | None = None) -> Response:
        """A draft supplier bill for what was received and not billed; the three-way match's warnings."""
        data = self.validated(BillSerializer(data=request.data))
        order = self.get_object()
        result = services.bill_order(order, self.actor, **data)
        return Response(
            BillResultSerializer({"bill": result.invoice.pk, "warnings": result.warnings}).data, status=201
        )

    @extend_schema(request=None, responses=PurchaseOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an RFQ, or an order nothing of which was received."""
        return self.act(lambda order, _version: services.cancel_order(order, self.actor))
