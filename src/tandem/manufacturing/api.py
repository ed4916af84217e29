"""``/api/v1/manufacturing/``: ``boms/``, ``work-centres/``, ``routings/``, ``orders/`` (``confirm``,
``start``, ``produce``, ``finish``, ``cancel``), ``work-orders/`` (``start``, ``pause``, ``finish``)
and ``quality-checks/`` (``record``). Thin: services write."""

from __future__ import annotations

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
from tandem.core.models import Uom
from tandem.inventory.models import Warehouse
from tandem.manufacturing import services
from tandem.manufacturing.filters import (
    BomFilter,
    OrderFilter,
    QualityCheckFilter,
    RoutingFilter,
    WorkCentreFilter,
    WorkOrderFilter,
)
from tandem.manufacturing.models import (
    Bom,
    BomByProduct,
    BomLine,
    ManufacturingOrder,
    Operation,
    QualityCheck,
    Routing,
    WorkCentre,
    WorkOrder,
)

ORDER_CHANGE = ["manufacturing.change_manufacturingorder"]
WORK_CHANGE = ["manufacturing.change_workorder"]


def _decimal(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True, **kwargs)


def _unit(**kwargs: Any) -> serializers.SlugRelatedField:  # type: ignore[type-arg]
    return serializers.SlugRelatedField(slug_field="code", **kwargs)


# --- work centres ------------------------------------------------------------------------------


class WorkCentreSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = WorkCentre
        fields = ["id", "version", *services.CENTRE_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class WorkCentreWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    capacity_hours = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    cost_per_hour = serializers.DecimalField(max_digits=20, decimal_places=4, required=False)

    class Meta:
        model = WorkCentre
        fields = services.CENTRE_FIELDS


class WorkCentreViewSet(ServiceModelViewSet):
    """Work centres: hours a day, cost per hour, working days and public holidays. DELETE archives."""

    model = WorkCentre
    serializer_class = WorkCentreSerializer
    write_serializer_class = WorkCentreWriteSerializer
    filterset_class = WorkCentreFilter

    def perform_service_create(self, data: dict[str, Any]) -> WorkCentre:
        return services.create_work_centre(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: WorkCentre, data: dict[str, Any], expected_version: int | None
    ) -> WorkCentre:
        return services.update_work_centre(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: WorkCentre, expected_version: int | None) -> None:
        services.update_work_centre(instance, self.actor, expected_version=expected_version, active=False)


# --- routings ---------------------------------------------------------------------------------------


class OperationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    setup_minutes = _decimal(read_only=True)
    run_minutes = _decimal(read_only=True)

    class Meta:
        model = Operation
        fields = ["id", "sequence", "name", "work_centre", "setup_minutes", "run_minutes"]
        read_only_fields = fields


class RoutingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    operations = OperationSerializer(many=True, read_only=True)

    class Meta:
        model = Routing
        fields = ["id", "version", "name", "active", "operations", "created_at", "updated_at"]
        read_only_fields = fields


class OperationWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=100)
    work_centre = ScopedPrimaryKeyField(queryset=WorkCentre.objects.all())
    setup_minutes = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    run_minutes = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)


class RoutingWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    operations = OperationWriteSerializer(many=True, required=False)

    class Meta:
        model = Routing
        fields = [*services.ROUTING_FIELDS, "operations"]


def _operations(data: dict[str, Any]) -> list[services.OperationData] | None:
    given = data.pop("operations", None)
    return None if given is None else [services.OperationData(**row) for row in given]


class RoutingViewSet(ServiceModelViewSet):
    """Routings with their operations in order (a PUT or PATCH with ``operations`` replaces them).
    DELETE archives."""

    model = Routing
    serializer_class = RoutingSerializer
    write_serializer_class = RoutingWriteSerializer
    filterset_class = RoutingFilter
    list_prefetch_related = ("operations",)

    def perform_service_create(self, data: dict[str, Any]) -> Routing:
        return services.create_routing(self.company, self.actor, operations=_operations(data) or [], **data)

    def perform_service_update(
        self, instance: Routing, data: dict[str, Any], expected_version: int | None
    ) -> Routing:
        operations = _operations(data)
        return services.update_routing(
            instance, self.actor, expected_version=expected_version, operations=operations, **data
        )

    def perform_service_archive(self, instance: Routing, expected_version: int | None) -> None:
        services.update_routing(instance, self.actor, expected_version=expected_version, active=False)


# --- bills of materials ---------------------------------------------------------------------------


class BomLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom = _unit(read_only=True)
    quantity = _decimal(read_only=True)

    class Meta:
        model = BomLine
        fields = ["id", "product", "quantity", "uom", "scrap_percent"]
        read_only_fields = fields


class BomByProductSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom = _unit(read_only=True)
    quantity = _decimal(read_only=True)

    class Meta:
        model = BomByProduct
        fields = ["id", "product", "quantity", "uom", "cost_share"]
        read_only_fields = fields


class BomSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = BomLineSerializer(many=True, read_only=True)
    byproducts = BomByProductSerializer(many=True, read_only=True)
    quantity = _decimal(read_only=True)

    class Meta:
        model = Bom
        fields = [
            "id", "version", "reference", "product", "kind", "revision", "quantity", "routing",
            "valid_from", "valid_to", "active", "lines", "byproducts", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class BomLineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = _unit(queryset=Uom.objects.all(), required=False)
    scrap_percent = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)


class BomByProductWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    uom = _unit(queryset=Uom.objects.all(), required=False)
    cost_share = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)


class BomWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    routing = ScopedPrimaryKeyField(queryset=Routing.objects.all(), required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    revision = serializers.IntegerField(min_value=1, required=False)
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)
    lines = BomLineWriteSerializer(many=True, required=False)
    byproducts = BomByProductWriteSerializer(many=True, required=False)

    class Meta:
        model = Bom
        fields = [
            "reference", "product", "kind", "revision", "quantity", "routing", "valid_from", "valid_to",
            "active", "lines", "byproducts",
        ]  # fmt: skip


def _rows(data: dict[str, Any], key: str, kind: Any) -> Any:
    given = data.pop(key, None)
    return None if given is None else [kind(**row) for row in given]


class BomViewSet(ServiceModelViewSet):
    """Bills of materials with their components and by-products, by revision valid between two
    dates (``version`` is the record's, for ``If-Match``). A BOM that would contain
    itself is a 400 naming the path. DELETE archives."""

    model = Bom
    serializer_class = BomSerializer
    write_serializer_class = BomWriteSerializer
    filterset_class = BomFilter
    list_prefetch_related = ("lines__uom", "byproducts__uom")

    def perform_service_create(self, data: dict[str, Any]) -> Bom:
        lines = _rows(data, "lines", services.LineData) or []
        byproducts = _rows(data, "byproducts", services.ByProductData) or []
        return services.create_bom(self.company, self.actor, lines=lines, byproducts=byproducts, **data)

    def perform_service_update(
        self, instance: Bom, data: dict[str, Any], expected_version: int | None
    ) -> Bom:
        lines = _rows(data, "lines", services.LineData)
        byproducts = _rows(data, "byproducts", services.ByProductData)
        return services.update_bom(
            instance,
            self.actor,
            expected_version=expected_version,
            lines=lines,
            byproducts=byproducts,
            **data,
        )

    def perform_service_archive(self, instance: Bom, expected_version: int | None) -> None:
        services.update_bom(instance, self.actor, expected_version=expected_version, active=False)


# --- manufacturing orders --------------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    quantity = _decimal(read_only=True)

    class Meta:
        model = ManufacturingOrder
        fields = [
            "id", "version", "number", "state", "product", "quantity", "bom", "routing", "warehouse",
            "due_date", "source", "origin", "reference", "lot_name", "notes", "backorder_of", "components",
            "standard_cost", "created_at", "confirmed_at", "started_at", "done_at", "cancelled_at",
        ]  # fmt: skip
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    """One manufacturing order, with what apps above manufacturing add to it."""

    made_for = RecordDataField(
        help_text="The demands MRP planned it for (deliveries, other orders' components), each with "
        "its quantity; empty when MRP did not plan it or the reader may not see planned orders. On the "
        "order itself, not in lists."
    )

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "made_for"]
        read_only_fields = fields


class OrderWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    bom = ScopedPrimaryKeyField(queryset=Bom.objects.all(), required=False)
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    due_date = serializers.DateField(required=False)

    class Meta:
        model = ManufacturingOrder
        fields = services.ORDER_FIELDS


class ProduceSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    lot = serializers.CharField(max_length=64, required=False, allow_blank=True)


class OrderViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Manufacturing orders. Drafts change (PUT/PATCH); ``confirm/`` reserves the components and
    plans the work, ``start/``, ``produce/`` (a quantity, all that is left if none: consumes and
    brings the goods in at their actual cost), ``finish/`` (what is left goes to a backorder),
    ``cancel/``."""

    model = ManufacturingOrder
    serializer_class = OrderSerializer
    detail_serializer_class = OrderDetailSerializer
    write_serializer_class = OrderWriteSerializer
    filterset_class = OrderFilter
    ordering_fields = ("id", "due_date")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    def perform_service_create(self, data: dict[str, Any]) -> ManufacturingOrder:
        return services.create_order(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: ManufacturingOrder, data: dict[str, Any], expected_version: int | None
    ) -> ManufacturingOrder:
        return services.update_order(instance, self.actor, expected_version=expected_version, **data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a draft (a confirmed order is cancelled: 409)."""
        order = self.get_object()
        self.expected_version(order)
        services.delete_draft(order, self.actor)
        return Response(status=204)

    @extend_schema(request=None, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=ORDER_CHANGE)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Number the order, reserve its components, plan its work orders and checks."""
        return self.act(lambda order, _version: services.confirm_order(order, self.actor))

    @extend_schema(request=None, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=ORDER_CHANGE)
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Production begins."""
        return self.act(lambda order, _version: services.start_order(order, self.actor))

    @extend_schema(request=ProduceSerializer, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=ORDER_CHANGE)
    def produce(self, request: Request, pk: str | None = None) -> Response:
        """Make ``quantity`` (all that is left if none), into ``lot`` for a tracked product."""
        data = self.validated(ProduceSerializer(data=request.data))
        return self.act(
            lambda order, _version: services.produce(
                order, self.actor, data.get("quantity"), lot=data.get("lot") or None
            )
        )

    @extend_schema(request=None, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=ORDER_CHANGE)
    def finish(self, request: Request, pk: str | None = None) -> Response:
        """Close the order once its checks passed; what is left goes to a backorder."""
        return self.act(lambda order, _version: services.finish_order(order, self.actor))

    @extend_schema(request=None, responses=OrderDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=ORDER_CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an order nothing was made of; its components are free again."""
        return self.act(lambda order, _version: services.cancel_order(order, self.actor))


# --- work orders and quality checks ----------------------------------------------------------------


class WorkOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    planned_minutes = _decimal(read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "order",
            "operation",
            "sequence",
            "name",
            "work_centre",
            "planned_minutes",
            "state",
            "done_at",
        ]
        read_only_fields = fields


class WorkOrderViewSet(RetrieveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """The work orders of confirmed orders, one per operation: ``start/`` (or resume), ``pause/``,
    ``finish/`` (once its quality checks passed)."""

    model = WorkOrder
    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilter
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"], required_perms=WORK_CHANGE)
    def start(self, request: Request, pk: str | None = None) -> Response:
        """Start or resume the work: the clock runs for the caller."""
        return self.act(lambda work_order, _version: services.start_work_order(work_order, self.actor))

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"], required_perms=WORK_CHANGE)
    def pause(self, request: Request, pk: str | None = None) -> Response:
        """Stop the clock."""
        return self.act(lambda work_order, _version: services.pause_work_order(work_order, self.actor))

    @extend_schema(request=None, responses=WorkOrderSerializer)
    @action(detail=True, methods=["post"], required_perms=WORK_CHANGE)
    def finish(self, request: Request, pk: str | None = None) -> Response:
        """The operation is done (refused while a check of it has not passed)."""
        return self.act(lambda work_order, _version: services.finish_work_order(work_order, self.actor))


class QualityCheckSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    title = serializers.CharField(source="point.title", read_only=True)
    kind = serializers.CharField(source="point.kind", read_only=True)

    class Meta:
        model = QualityCheck
        fields = [
            "id",
            "order",
            "point",
            "title",
            "kind",
            "work_order",
            "state",
            "measured",
            "note",
            "checked_at",
        ]
        read_only_fields = fields


class RecordSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    passed = serializers.BooleanField(required=False, allow_null=True, default=None)
    measured = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class QualityCheckViewSet(RetrieveMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet):
    """The quality checks of orders: ``record/`` with ``passed`` (pass/fail) or ``measured``; a
    failure raises a quality alert."""

    model = QualityCheck
    serializer_class = QualityCheckSerializer
    filterset_class = QualityCheckFilter
    list_select_related = ("point",)
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=RecordSerializer, responses=QualityCheckSerializer)
    @action(detail=True, methods=["post"], required_perms=["manufacturing.change_qualitycheck"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        """Record the check's result."""
        data = self.validated(RecordSerializer(data=request.data))
        check = self.get_object()
        services.record_check(
            check,
            self.actor,
            passed=data.get("passed"),
            measured=data.get("measured"),
            note=data.get("note", ""),
        )
        check.refresh_from_db()
        return Response(QualityCheckSerializer(check).data)
