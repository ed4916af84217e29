"""``/api/v1/inventory/…``: warehouses, locations, lots, transfers (``reserve``, ``validate``,
``cancel``, ``return``), the move ledger (read only), quants, availability, counts (``apply``).
Thin: services write, queries read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import Account, Journal
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import (
    ArchiveMixin,
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceViewSet,
    UpdateMixin,
)
from tandem.catalog.models import Category, Product
from tandem.core.models import Uom
from tandem.core.querysets import allowed_company
from tandem.inventory import queries, services
from tandem.inventory.filters import (
    CountFilter,
    LocationFilter,
    LotFilter,
    MoveLineFilter,
    QuantFilter,
    TransferFilter,
    WarehouseFilter,
)
from tandem.inventory.models import (
    VIEW_VALUES,
    CategoryValuation,
    Count,
    CountLine,
    Location,
    Lot,
    Move,
    MoveLine,
    Quant,
    Transfer,
    ValuationMethod,
    ValuationSettings,
    Warehouse,
)
from tandem.inventory.services import valuation
from tandem.partners.models import Partner


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True, **kwargs)


# --- warehouses, locations, lots -------------------------------------------------------------


class WarehouseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Warehouse
        fields = [
            "id", "version", "name", "code", "partner", "view_location", "stock_location", "input_location",
            "output_location", "pack_location", "quality_location", "delivery_steps", "reception_steps",
            "active",
        ]  # fmt: skip
        read_only_fields = fields


class WarehouseWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    code = serializers.CharField(max_length=8)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    active = serializers.BooleanField(required=False, default=True)
    delivery_steps = serializers.ChoiceField(
        choices=Warehouse.DeliverySteps.choices, required=False, default=1
    )
    reception_steps = serializers.ChoiceField(
        choices=Warehouse.ReceptionSteps.choices, required=False, default=1
    )


class WarehouseUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100, required=False)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
    delivery_steps = serializers.ChoiceField(choices=Warehouse.DeliverySteps.choices, required=False)
    reception_steps = serializers.ChoiceField(choices=Warehouse.ReceptionSteps.choices, required=False)


class WarehouseViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ArchiveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Warehouses; creating one creates its locations (view, Stock, Input, Output)."""

    model = Warehouse
    serializer_class = WarehouseSerializer
    write_serializer_class = WarehouseWriteSerializer
    filterset_class = WarehouseFilter
    ordering_fields = ("id", "code")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Warehouse):  # an update: the code stays
            kwargs.setdefault("context", self.get_serializer_context())
            return WarehouseUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Warehouse:
        return services.create_warehouse(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Warehouse, data: dict[str, Any], expected_version: int | None
    ) -> Warehouse:
        return services.update_warehouse(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Warehouse, expected_version: int | None) -> None:
        """DELETE archives: the warehouse and its history stay."""
        services.update_warehouse(instance, self.actor, expected_version=expected_version, active=False)


class LocationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Location
        fields = ["id", "version", "name", "path", "parent", "kind", "warehouse", "barcode", "active"]
        read_only_fields = fields


class LocationWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    parent = ScopedPrimaryKeyField(queryset=Location.objects.all())  # type: ignore[assignment]
    kind = serializers.ChoiceField(
        choices=[("internal", "internal"), ("view", "view")], required=False, default="internal"
    )
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class LocationUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class LocationViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ArchiveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Locations: a warehouse's tree, and the company's virtual ones (suppliers, customers, loss…)."""

    model = Location
    serializer_class = LocationSerializer
    write_serializer_class = LocationWriteSerializer
    filterset_class = LocationFilter
    ordering_fields = ("id", "path")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Location):
            kwargs.setdefault("context", self.get_serializer_context())
            return LocationUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> Location:
        return services.create_location(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Location, data: dict[str, Any], expected_version: int | None
    ) -> Location:
        return services.update_location(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Location, expected_version: int | None) -> None:
        """DELETE archives: the location and its moves stay."""
        services.update_location(instance, self.actor, expected_version=expected_version, active=False)


class LotSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Lot
        fields = ["id", "product", "name", "expiry_date", "created_at"]
        read_only_fields = fields


class LotWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    name = serializers.CharField(max_length=64)
    expiry_date = serializers.DateField(required=False, allow_null=True, default=None)


class LotViewSet(RetrieveMixin, CreateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """Lots and serial numbers; ``lines`` of a lot are in ``moves/?lot=<id>``."""

    model = Lot
    serializer_class = LotSerializer
    write_serializer_class = LotWriteSerializer
    filterset_class = LotFilter
    ordering_fields = ("id", "name", "expiry_date")

    def perform_service_create(self, data: dict[str, Any]) -> Lot:
        return services.create_lot(self.company, self.actor, **data)


# --- transfers ---------------------------------------------------------------------------------


class MoveSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity = _quantity(read_only=True)
    quantity_asked = _quantity(read_only=True)
    quantity_done = _quantity(read_only=True)

    class Meta:
        model = Move
        fields = [
            "id", "product", "quantity", "uom", "quantity_asked", "quantity_done", "lot", "source_location",
            "dest_location", "expected_date", "next_move",
        ]  # fmt: skip
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    moves = MoveSerializer(many=True, read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id", "version", "number", "kind", "step", "state", "warehouse", "partner", "source_location",
            "dest_location", "scheduled_date", "origin", "backorder_of", "return_of", "notes", "done_at",
            "moves",
        ]  # fmt: skip
        read_only_fields = fields


class MoveWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = serializers.SlugRelatedField(
        slug_field="code", queryset=Uom.objects.all(), required=False, allow_null=True
    )
    expected_date = serializers.DateField(required=False, allow_null=True)
    lot = ScopedPrimaryKeyField(queryset=Lot.objects.all(), required=False, allow_null=True)


class TransferWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=[(k, k) for k in ("receipt", "delivery", "internal")])
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    source_location = ScopedPrimaryKeyField(queryset=Location.objects.all(), required=False, allow_null=True)
    dest_location = ScopedPrimaryKeyField(queryset=Location.objects.all(), required=False, allow_null=True)
    scheduled_date = serializers.DateField(required=False, allow_null=True)
    origin = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    lines = MoveWriteSerializer(many=True)


class DoneSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    move = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0))
    lot = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ValidateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    """Empty (or no body): everything as planned. Else the quantity done per move (in its
    unit) and, for tracked products, the lot; moves left out go to a backorder."""

    moves = DoneSerializer(many=True, required=False)


class ShortageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField()
    move = serializers.IntegerField()
    quantity = _quantity()
    date = serializers.DateField()


class ReserveAnswerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    transfer = TransferSerializer()
    shortages = ShortageSerializer(many=True)


class TransferViewSet(RetrieveMixin, CreateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """Receipts, deliveries and internal transfers with their moves. ``reserve/`` promises stock
    (answers the shortages), ``validate/`` moves the goods (partially: a backorder), ``cancel/``,
    ``return/`` creates the return of a done receipt or delivery."""

    model = Transfer
    serializer_class = TransferSerializer
    write_serializer_class = TransferWriteSerializer
    filterset_class = TransferFilter
    list_select_related = ()
    list_prefetch_related = ("moves__uom",)
    ordering_fields = ("id", "scheduled_date")

    def perform_service_create(self, data: dict[str, Any]) -> Transfer:
        lines = [
            services.MoveSpec(
                row["product"], row["quantity"], row.get("uom"), row.get("expected_date"), row.get("lot")
            )
            for row in data.pop("lines")
        ]
        kind = data.pop("kind")
        fields = {name: value for name, value in data.items() if value is not None}
        return services.create_transfer(self.company, kind, lines, actor=self.actor, **fields)

    @extend_schema(request=None, responses=ReserveAnswerSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def reserve(self, request: Request, pk: str | None = None) -> Response:
        """Reserve what the stock holds for the open moves; answers what is missing."""
        transfer = self.get_object()
        self.expected_version(transfer)
        shortages = services.reserve(transfer, self.actor)
        transfer.refresh_from_db()
        answer = {
            "transfer": transfer,
            "shortages": [
                {"product": s.product.pk, "move": s.move.pk, "quantity": s.quantity, "date": s.date}
                for s in shortages
            ],
        }
        return Response(ReserveAnswerSerializer(answer, context=self.get_serializer_context()).data)

    @extend_schema(request=ValidateSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def validate(self, request: Request, pk: str | None = None) -> Response:
        """Move the goods: all as planned, or the quantities given (the rest to a backorder)."""
        data = self.validated(ValidateSerializer(data=request.data, context=self.get_serializer_context()))
        rows = data.get("moves")
        quantities = {row["move"]: row["quantity"] for row in rows} if rows else None
        lots = {row["move"]: row["lot"] for row in rows or [] if row.get("lot")}
        return self.act(lambda t, _version: services.validate_transfer(t, quantities, self.actor, lots=lots))

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an open transfer; its reservations go back to stock."""
        return self.act(lambda t, _version: services.cancel_transfer(t, self.actor))

    @extend_schema(request=None, responses={201: TransferSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_goods(self, request: Request, pk: str | None = None) -> Response:
        """A return of everything still returnable of a done receipt or delivery."""
        return self.respond(services.create_return(self.get_object(), self.actor), 201)


# --- the ledger, quants, availability ---------------------------------------------------------


class MoveLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    quantity = _quantity(read_only=True)
    transfer = serializers.IntegerField(source="move.transfer_id", read_only=True)

    class Meta:
        model = MoveLine
        fields = [
            "id",
            "move",
            "transfer",
            "product",
            "lot",
            "source_location",
            "dest_location",
            "quantity",
            "done_at",
        ]
        read_only_fields = fields


class MoveLineViewSet(RetrieveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """The quantity ledger: what moved, per lot, from where to where. Read only."""

    model = MoveLine
    serializer_class = MoveLineSerializer
    filterset_class = MoveLineFilter
    list_select_related = ("move",)
    ordering_fields = ("id", "done_at")


class QuantSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    quantity = _quantity(read_only=True)
    reserved = _quantity(read_only=True)

    class Meta:
        model = Quant
        fields = ["id", "product", "location", "lot", "quantity", "reserved", "in_date"]
        read_only_fields = fields


class QuantViewSet(RetrieveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """What is where: on hand and reserved per product, location and lot. Read only."""

    model = Quant
    serializer_class = QuantSerializer
    filterset_class = QuantFilter
    ordering_fields = ("id",)


class AvailabilityQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all())
    until = serializers.DateField(required=False)


class PointSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField()
    incoming = _quantity()
    outgoing = _quantity()
    projected = _quantity()


class AvailabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField(source="product.pk")
    warehouse = serializers.IntegerField(source="warehouse.pk")
    until = serializers.DateField()
    on_hand = _quantity()
    reserved = _quantity()
    available = _quantity()
    incoming = _quantity()
    outgoing = _quantity()
    projected = _quantity()
    timeline = PointSerializer(many=True)


class AvailabilityViewSet(ServiceViewSet):
    """``?product=&warehouse=&until=``: on hand, reserved, available, incoming and outgoing by
    ``until`` (90 days by default), and the projected stock day by day."""

    model = Quant
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(parameters=[AvailabilityQuerySerializer], responses=AvailabilitySerializer)
    def list(self, request: Request) -> Response:
        query = self.validated(
            AvailabilityQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        )
        seen = queries.availability(query["product"], query["warehouse"], query.get("until"))
        return Response(AvailabilitySerializer(seen).data)


# --- counts ----------------------------------------------------------------------------------------


def _count_values(context: dict[str, Any], counts: list[Count]) -> None:
    """The value of the counts' differences, into the serializer context (read by their lines):
    for readers who see stock values, in one batch (``queries.counts_difference_values``)."""
    request = context.get("request")
    if request is None or not request.user.has_perm(VIEW_VALUES):
        return
    values = context.setdefault("count_values", {})
    missing = [count for count in counts if count.pk not in values]
    if missing:
        values.update(queries.counts_difference_values(missing))


def _values_of(context: dict[str, Any], count_id: int) -> queries.DifferenceValues | None:
    found: queries.DifferenceValues | None = context.get("count_values", {}).get(count_id)
    return found


VALUE_FIELDS = {"value", "total_value", "values_posted"}


class ValueHidingMixin:
    """Drop the value fields for a reader who may not see stock values (as the sheet does)."""

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        request = self.context.get("request")  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and not user.has_perm(VIEW_VALUES):
            for name in VALUE_FIELDS:
                fields.pop(name, None)
        return fields


class CountLineSerializer(ValueHidingMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    expected = _quantity(read_only=True)
    counted = _quantity(read_only=True, allow_null=True)
    difference = _quantity(
        read_only=True, allow_null=True, help_text="Counted less expected (null: not counted yet)."
    )
    value = serializers.SerializerMethodField(
        method_name="line_value",  # not get_value: a field's own method (reading input)
        help_text="The difference's value in the company's currency, as the count sheet shows it: posted "
        "once the count is applied, else at the unit cost of the count's date (null: no difference, or "
        "the reader does not see stock values).",
    )

    class Meta:
        model = CountLine
        fields = ["id", "product", "location", "lot", "expected", "counted", "difference", "value"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def line_value(self, line: CountLine) -> str | None:
        values = _values_of(self.context, line.count_id)
        found = values.lines.get(line.pk) if values is not None else None
        return None if found is None else str(found)


class CountListSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    def to_representation(self, data: Any) -> list[Any]:
        counts = list(data.all() if isinstance(data, QuerySet) else data)
        _count_values(self.context, counts)
        return super().to_representation(counts)  # type: ignore[no-any-return]


class CountSerializer(ValueHidingMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = CountLineSerializer(many=True, read_only=True)
    total_value = serializers.SerializerMethodField(
        help_text="The total value of the differences (null: the reader does not see stock values)."
    )
    values_posted = serializers.SerializerMethodField(
        help_text="Whether the values are what the count posted when applied (else at its date's cost)."
    )

    class Meta:
        model = Count
        fields = [
            "id", "version", "name", "location", "state", "date", "transfer", "applied_at", "lines",
            "total_value", "values_posted",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = CountListSerializer

    def to_representation(self, instance: Count) -> dict[str, Any]:
        _count_values(self.context, [instance])
        return super().to_representation(instance)  # type: ignore[no-any-return]

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_total_value(self, count: Count) -> str | None:
        values = _values_of(self.context, count.pk)
        return None if values is None else str(values.total)

    @extend_schema_field({"type": "boolean", "nullable": True})
    def get_values_posted(self, count: Count) -> bool | None:
        values = _values_of(self.context, count.pk)
        return None if values is None else values.posted


class CountLineExportListSerializer(serializers.ListSerializer):  # type: ignore[type-arg]
    def to_representation(self, data: Any) -> list[Any]:
        lines = list(data.all() if isinstance(data, QuerySet) else data)
        _count_values(self.context, list({line.count_id: line.count for line in lines}.values()))
        return super().to_representation(lines)  # type: ignore[no-any-return]


class CountLineExportSerializer(CountLineSerializer):
    """One row of the counts' export: a line with its count, the difference and its value (as
    the count sheet shows them)."""

    count_name = serializers.CharField(source="count.name", read_only=True)
    date = serializers.DateField(source="count.date", read_only=True)
    state = serializers.CharField(source="count.state", read_only=True)
    location_path = serializers.CharField(source="location.path", read_only=True)
    product_name = serializers.CharField(source="product", read_only=True)
    lot_name = serializers.CharField(source="lot.name", read_only=True, default="")
    values_posted = serializers.SerializerMethodField()

    class Meta(CountLineSerializer.Meta):
        fields = [
            "count", "count_name", "date", "state", "id", "location", "location_path", "product",
            "product_name", "lot", "lot_name", "expected", "counted", "difference", "value", "values_posted",
        ]  # fmt: skip
        read_only_fields = fields
        list_serializer_class = CountLineExportListSerializer

    def get_values_posted(self, line: CountLine) -> bool | None:
        values = _values_of(self.context, line.count_id)
        return None if values is None else values.posted


class CountWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    location = ScopedPrimaryKeyField(queryset=Location.objects.all())
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)


class CountedSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    counted = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0), allow_null=True)


class CountedListSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    lines = CountedSerializer(many=True)


class CountViewSet(RetrieveMixin, CreateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """Physical counts: create a sheet for a location, ``counted/`` records what was found,
    ``apply/`` posts the differences to inventory loss."""

    model = Count
    serializer_class = CountSerializer
    write_serializer_class = CountWriteSerializer
    filterset_class = CountFilter
    list_select_related = ("company__currency",)
    list_prefetch_related = ("lines__product",)
    etag_covers_detail = False  # a draft's values are read from the valuation layers
    ordering_fields = ("id", "date")

    def perform_service_create(self, data: dict[str, Any]) -> Count:
        return services.create_count(self.company, self.actor, **data)

    export_serializer_class = CountLineExportSerializer

    def export_rows(self, rows: QuerySet[Count]) -> QuerySet[CountLine]:
        """The filtered counts' lines, one CSV row each, with their difference and its value."""
        return (
            CountLine.objects.filter(count__in=rows.values("pk"))
            .select_related("count__company__currency", "product", "location", "lot")
            .order_by("count_id", "location__path", "product__name_key", "id")
        )

    @extend_schema(request=CountedListSerializer, responses=CountSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def counted(self, request: Request, pk: str | None = None) -> Response:
        """Record what was found per line (``counted`` null: not counted)."""
        count = self.get_object()
        expected = self.expected_version(count)
        data = self.validated(CountedListSerializer(data=request.data, context=self.get_serializer_context()))
        if expected is not None and expected != count.version:
            raise serializers.ValidationError({"version": ["stale"]})
        services.record_counted(count, self.actor, {row["line"]: row["counted"] for row in data["lines"]})
        count.refresh_from_db()
        return self.respond(count)

    @extend_schema(request=None, responses=CountSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def apply(self, request: Request, pk: str | None = None) -> Response:
        """Post the differences between what was counted and what the books hold."""
        return self.act(lambda count, _version: services.apply_count(count, self.actor))


# --- valuation settings: the company's and its categories' ------------------------------------

_ACCOUNT_FIELDS = (
    "stock_account", "input_account", "output_account", "cogs_account", "price_difference_account",
)  # fmt: skip


def _account_field(**kwargs: Any) -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True, **kwargs)


class ValuationSettingsSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ValuationSettings
        fields = [
            "id", "version", "method", "journal", *_ACCOUNT_FIELDS, "loss_account", "opening_account",
            "production_account", "production_cost_account",
        ]  # fmt: skip
        read_only_fields = fields


class ValuationSettingsWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    method = serializers.ChoiceField(choices=ValuationMethod.choices, required=False)
    journal = ScopedPrimaryKeyField(queryset=Journal.objects.all(), required=False)
    stock_account = ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False)
    input_account = _account_field()
    output_account = _account_field()
    cogs_account = _account_field()
    price_difference_account = _account_field()
    loss_account = _account_field()
    opening_account = _account_field()
    production_account = _account_field()
    production_cost_account = _account_field()


class ValuationSettingsViewSet(RetrieveMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """The company's stock valuation settings: one row (made when its chart of accounts is
    there). The method and the stock account are refused while stock valued on them is on hand."""

    model = ValuationSettings
    serializer_class = ValuationSettingsSerializer
    write_serializer_class = ValuationSettingsWriteSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def visible_rows(self) -> QuerySet[ValuationSettings]:
        company = allowed_company(self.request.user)
        if company is not None and self.request.user.has_perm("inventory.view_valuationsettings"):
            valuation.settings_of(company)  # made on first use, as valuing a move makes it
        return super().visible_rows()

    def perform_service_update(
        self, instance: ValuationSettings, data: dict[str, Any], expected_version: int | None
    ) -> ValuationSettings:
        return valuation.update_valuation_settings(
            instance, self.actor, expected_version=expected_version, **data
        )


class CategoryValuationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    name = serializers.CharField(source="category.path", read_only=True)

    class Meta:
        model = CategoryValuation
        fields = ["id", "version", "category", "name", "method", *_ACCOUNT_FIELDS]
        read_only_fields = fields


class CategoryValuationUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    method = serializers.ChoiceField(
        choices=[("", "the company's"), *ValuationMethod.choices], required=False, allow_blank=True
    )
    stock_account = _account_field()
    input_account = _account_field()
    output_account = _account_field()
    cogs_account = _account_field()
    price_difference_account = _account_field()


class CategoryValuationWriteSerializer(CategoryValuationUpdateSerializer):
    category = ScopedPrimaryKeyField(queryset=Category.objects.all())  # a row stays its category's


class CategoryValuationViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """A product category's own valuation method and accounts (empty: the company's). DELETE
    gives the category back to the company's terms (refused where that changes the method or
    the stock account of stock on hand)."""

    model = CategoryValuation
    serializer_class = CategoryValuationSerializer
    write_serializer_class = CategoryValuationWriteSerializer
    list_select_related = ("category",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], CategoryValuation):
            kwargs.setdefault("context", self.get_serializer_context())
            return CategoryValuationUpdateSerializer(*args[1:], **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> CategoryValuation:
        return valuation.create_category_valuation(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: CategoryValuation, data: dict[str, Any], expected_version: int | None
    ) -> CategoryValuation:
        return valuation.update_category_valuation(
            instance, self.actor, expected_version=expected_version, **data
        )

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        row = self.get_object()
        valuation.remove_category_valuation(row, self.actor, expected_version=self.expected_version(row))
        return Response(status=204)
