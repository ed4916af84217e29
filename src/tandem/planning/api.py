"""``/api/v1/planning/``: ``reorder-rules/`` (and ``run/`` to check them now), ``capable-to-promise/``,
``capacity/`` (with ``schedule/``), ``mrp-runs/`` and ``forecasts/``. Thin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, RetrieveMixin, ServiceModelViewSet, ServiceViewSet
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.inventory.models import Warehouse
from tandem.manufacturing.models import WorkCentre
from tandem.planning import capacity, mrp_services, queries, scheduling, services
from tandem.planning.filters import ForecastFilter, MrpRunFilter, ReorderRuleFilter
from tandem.planning.models import Forecast, MrpException, MrpRun, Peg, PlannedOrder, ReorderRule

DEFAULT_LOAD_DAYS, MAX_LOAD_DAYS = 14, 92


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, min_value=Decimal(0), **kwargs)


class ReorderRuleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ReorderRule
        fields = [
            "id",
            "version",
            "product",
            "warehouse",
            "min_quantity",
            "max_quantity",
            "multiple",
            "safety_stock",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReorderRuleWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all())
    min_quantity = _quantity(required=False)
    max_quantity = _quantity(required=False)
    multiple = _quantity(required=False)
    safety_stock = _quantity(required=False)

    class Meta:
        model = ReorderRule
        fields = services.RULE_FIELDS


class RunResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rules = serializers.IntegerField()
    requests = serializers.ListField(child=serializers.IntegerField())


class ReorderRuleViewSet(ServiceModelViewSet):
    """Reorder rules per product and warehouse. DELETE archives; ``run/`` checks every active
    rule of the company now and answers the purchase requests it created."""

    model = ReorderRule
    serializer_class = ReorderRuleSerializer
    write_serializer_class = ReorderRuleWriteSerializer
    filterset_class = ReorderRuleFilter

    def perform_service_create(self, data: dict[str, Any]) -> ReorderRule:
        return services.create_rule(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: ReorderRule, data: dict[str, Any], expected_version: int | None
    ) -> ReorderRule:
        return services.update_rule(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: ReorderRule, expected_version: int | None) -> None:
        services.update_rule(instance, self.actor, expected_version=expected_version, active=False)

    @extend_schema(request=None, responses=RunResultSerializer)
    @action(
        detail=False,
        methods=["post"],
        filter_backends=[],
        required_perms=["planning.change_reorderrule", "purchasing.add_purchaserequest"],
    )
    def run(self, request: Request) -> Response:
        """Run the company's reorder rules now: the purchase requests created."""
        result = services.run_reorder_rules(self.company, self.actor)
        return Response(
            RunResultSerializer({"rules": result.rules, "requests": [r.pk for r in result.requests]}).data
        )


# --- capacity and capable-to-promise ------------------------------------------------------------


class CapableToPromiseQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.CharField(max_length=32)
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False)


class StepSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.IntegerField()
    product = serializers.IntegerField(source="product.pk")
    sku = serializers.CharField(source="product.sku")
    quantity = _quantity()
    made = _quantity()
    date = serializers.DateField(allow_null=True)
    supply = serializers.CharField(source="source")
    bound = serializers.CharField()
    reason = serializers.CharField()
    centre = serializers.CharField()
    lead_days = serializers.IntegerField(allow_null=True)
    start = serializers.DateTimeField(allow_null=True)
    finish = serializers.DateTimeField(allow_null=True)
    component_of = serializers.IntegerField(source="parent", allow_null=True)


class CapableToPromiseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    product = serializers.IntegerField(source="product.pk")
    quantity = _quantity()
    date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    bounds = StepSerializer(many=True)
    steps = StepSerializer(many=True)


class CapableToPromiseViewSet(ServiceViewSet):
    """``?product=&quantity=[&warehouse=]``: the earliest day the quantity can be delivered from
    stock, open supply and new production (components, lead times, work-centre capacity), with
    the reasoning: ``bounds`` is the chain of steps that sets the date, ``steps`` every product
    looked at, level by level. Reads only."""

    model = Product
    filter_backends: list[Any] = []
    pagination_class = None
    required_perms = ["catalog.view_product", "manufacturing.view_bom"]

    @extend_schema(parameters=[CapableToPromiseQuerySerializer], responses=CapableToPromiseSerializer)
    def list(self, request: Request) -> Response:
        query = self.validated(
            CapableToPromiseQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        )
        found = queries.capable_to_promise(
            query["product"], query["quantity"], warehouse=query.get("warehouse")
        )
        return Response(CapableToPromiseSerializer(found).data)


class DayLoadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    day = serializers.DateField()
    capacity = serializers.DecimalField(max_digits=8, decimal_places=2)
    load = serializers.DecimalField(max_digits=12, decimal_places=2)
    over = serializers.BooleanField()


class CentreLoadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    centre = serializers.IntegerField(source="centre.pk")
    code = serializers.CharField(source="centre.code")
    days = DayLoadSerializer(many=True)


class LoadQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(required=False)
    days = serializers.IntegerField(min_value=1, max_value=MAX_LOAD_DAYS, required=False)


class ScheduleResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    orders = serializers.IntegerField()
    work_orders = serializers.IntegerField()
    late = serializers.ListField(child=serializers.IntegerField())


class CapacityViewSet(ServiceViewSet):
    """``?start=&days=``: the hours loaded on each work centre each day against its capacity;
    ``schedule/`` (POST) schedules the released manufacturing orders from today, finite."""

    model = WorkCentre
    filter_backends: list[Any] = []
    pagination_class = None
    required_perms = {"GET": ["manufacturing.view_workcentre"]}

    @extend_schema(parameters=[LoadQuerySerializer], responses=CentreLoadSerializer(many=True))
    def list(self, request: Request) -> Response:
        query = self.validated(LoadQuerySerializer(data=request.query_params))
        start = query.get("start") or timezone.localdate()
        rows = capacity.load(self.company, start, query.get("days") or DEFAULT_LOAD_DAYS)
        return Response(CentreLoadSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=ScheduleResultSerializer)
    @action(
        detail=False,
        methods=["post"],
        filter_backends=[],
        required_perms=["manufacturing.change_manufacturingorder", "manufacturing.change_workorder"],
    )
    def schedule(self, request: Request) -> Response:
        """Schedule the released orders from today: the counts and the ids of late orders."""
        result = scheduling.schedule(self.company, self.actor)
        answer = {
            "orders": result.orders,
            "work_orders": result.work_orders,
            "late": [o.pk for o in result.late],
        }
        return Response(ScheduleResultSerializer(answer).data)


# --- MRP ------------------------------------------------------------------------------------------


class MrpRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    job: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[type-arg]
    progress = serializers.SerializerMethodField()

    class Meta:
        model = MrpRun
        fields = [
            "id", "state", "horizon_days", "started_at", "finished_at", "started_by", "job", "progress",
            "products", "demand_lines", "planned_orders", "exceptions", "milliseconds",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, run: MrpRun) -> dict[str, int | None] | None:
        """The job's progress: ``{"done": n, "total": m}`` (total null until known)."""
        job = run.job
        return {"done": job.done, "total": job.total} if job is not None else None


class MrpRunWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    horizon_days = serializers.IntegerField(
        min_value=1, max_value=mrp_services.MAX_HORIZON_DAYS, required=False, default=90
    )


class PegSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    transfer = serializers.SerializerMethodField(help_text="The transfer of the move it is made for.")

    class Meta:
        model = Peg
        fields = ["demand_move", "transfer", "parent", "quantity"]
        read_only_fields = fields

    def get_transfer(self, row: Peg) -> int | None:
        return row.demand_move.transfer_id if row.demand_move is not None else None


class MadeForSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One demand a manufacturing order or purchase request MRP released is made for (its peg),
    on the order's or request's own API answer (``made_for``: a ``core.registry.RecordData``)."""

    transfer = serializers.SerializerMethodField(
        help_text="The transfer of the move it is made for (a delivery, a manufacturing order's components)."
    )
    transfer_number = serializers.SerializerMethodField(help_text="That transfer's number.")
    parent_planned_order = serializers.IntegerField(
        source="parent_id",
        read_only=True,
        allow_null=True,
        help_text="The planned order whose component need it meets, until that one is released.",
    )

    class Meta:
        model = Peg
        fields = ["demand_move", "transfer", "transfer_number", "parent_planned_order", "quantity"]
        read_only_fields = fields

    def get_transfer(self, row: Peg) -> int | None:
        return row.demand_move.transfer_id if row.demand_move is not None else None

    def get_transfer_number(self, row: Peg) -> str | None:
        return row.demand_move.transfer.number if row.demand_move is not None else None


def made_for(record: Any, user: Any) -> list[dict[str, Any]]:
    """The demands MRP pegged the manufacturing order or purchase request ``record`` to, JSON safe
    (``[]`` for one MRP did not plan); the record's company's pegs only (``queries.pegging``)."""
    found = queries.pegging(record)
    return list(MadeForSerializer(found.pegs, many=True).data) if found is not None else []


class BoughtForDemandSerializer(serializers.Serializer):  # type: ignore[type-arg]
    demand_move = serializers.IntegerField(allow_null=True, help_text="The move it is bought for.")
    transfer = serializers.IntegerField(
        allow_null=True,
        help_text="The transfer of that move (a delivery, a manufacturing order's components).",
    )
    transfer_number = serializers.CharField(allow_null=True, help_text="That transfer's number.")
    parent_planned_order = serializers.IntegerField(
        allow_null=True,
        help_text="The planned order whose component need it meets, until that one is released.",
    )
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, help_text="In the product's unit.")


class BoughtForSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """What one line of a purchase order is bought for: every demand MRP pegged the planned orders
    of its purchase requests to, with its quantity, and the day MRP said to order by (on the
    order's own API answer, ``bought_for``: a ``core.registry.RecordData``)."""

    line = serializers.IntegerField(help_text="The order line.")
    order_by = serializers.DateField(allow_null=True, help_text="The earliest day MRP said to order it by.")
    demands = BoughtForDemandSerializer(many=True)


def bought_for(order: Any, user: Any) -> list[dict[str, Any]]:
    """The demands each line of the purchase order ``order`` is bought for, JSON safe
    (``queries.bought_for``: one query); lines MRP did not plan are left out."""
    return [
        {
            "line": row.line,
            "order_by": row.order_by.isoformat() if row.order_by is not None else None,
            "demands": [
                {
                    "demand_move": move,
                    "transfer": transfer,
                    "transfer_number": number,
                    "parent_planned_order": parent,
                    "quantity": f"{quantity:.4f}",
                }
                for move, transfer, number, parent, quantity in row.demands
            ],
        }
        for row in queries.bought_for(order)
    ]


class PlannedOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    pegs = PegSerializer(
        many=True, read_only=True,
        help_text="The demands it meets, each with its quantity: a move (delivery, component) or the "
        "planned order whose component need it meets.",
    )  # fmt: skip

    class Meta:
        model = PlannedOrder
        fields = [
            "id", "run", "product", "warehouse", "kind", "level", "quantity", "start_date", "due_date",
            "partner", "bom", "state", "manufacturing_order", "purchase_request", "released_at", "pegs",
        ]  # fmt: skip
        read_only_fields = fields


class MrpExceptionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    message = serializers.CharField(read_only=True)

    class Meta:
        model = MrpException
        fields = [
            "id", "run", "product", "warehouse", "kind", "reference", "planned_order", "quantity",
            "due_date", "need_date", "message",
        ]  # fmt: skip
        read_only_fields = fields


class ReleaseSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    orders = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=10000,
        help_text="Planned orders of this run to release; every proposed and firm one if left out.",
    )


class ReleasedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    orders = serializers.IntegerField()
    manufacturing_orders = serializers.ListField(child=serializers.IntegerField())
    requests = serializers.ListField(child=serializers.IntegerField())
    rfqs = serializers.ListField(child=serializers.IntegerField())


class MrpRunViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """MRP runs. POST starts one as a background job (answered "running"; GET it for its state
    and progress); ``planned-orders/`` and ``exceptions/`` list what it proposes; ``release/``
    releases its planned orders (all proposed and firm ones, or ``orders``): makes become
    confirmed manufacturing orders, buys purchase requests (and draft RFQs when the caller may
    write purchase orders)."""

    model = MrpRun
    serializer_class = MrpRunSerializer
    write_serializer_class = MrpRunWriteSerializer
    filterset_class = MrpRunFilter
    list_select_related = ("job",)
    http_method_names = ["get", "post", "head", "options"]

    def perform_service_create(self, data: dict[str, Any]) -> MrpRun:
        return mrp_services.start_mrp_run(self.company, self.actor, horizon_days=data.get("horizon_days", 90))

    @extend_schema(responses=PlannedOrderSerializer(many=True))
    @action(
        detail=True, methods=["get"], url_path="planned-orders", filter_backends=[],
        serializer_class=PlannedOrderSerializer, required_perms=["planning.view_plannedorder"],
    )  # fmt: skip
    def planned_orders(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        rows = run.orders.prefetch_related(Prefetch("pegs", Peg.objects.select_related("demand_move")))
        page = self.paginate_queryset(rows.order_by("-id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=MrpExceptionSerializer(many=True))
    @action(
        detail=True, methods=["get"], filter_backends=[], serializer_class=MrpExceptionSerializer,
        required_perms=["planning.view_mrpexception"],
    )  # fmt: skip
    def exceptions(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        page = self.paginate_queryset(run.exception_rows.select_related("product").order_by("-id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=ReleaseSerializer, responses=ReleasedSerializer)
    @action(
        detail=True, methods=["post"], filter_backends=[], serializer_class=ReleaseSerializer,
        required_perms=[
            "planning.change_plannedorder", "manufacturing.add_manufacturingorder",
            "purchasing.add_purchaserequest",
        ],
    )  # fmt: skip
    def release(self, request: Request, pk: str | None = None) -> Response:
        run = self.get_object()
        body = self.validated(ReleaseSerializer(data=request.data))
        rows = run.orders.filter(state__in=(PlannedOrder.State.PROPOSED, PlannedOrder.State.FIRM))
        if "orders" in body:
            wanted = set(body["orders"])
            rows = run.orders.filter(pk__in=wanted)
            if rows.count() != len(wanted):
                raise ValidationFailed({"orders": [_("Some of these planned orders are not of this run.")]})
        found = mrp_services.release_orders(
            self.company, self.actor, list(rows), rfqs=request.user.has_perm("purchasing.add_purchaseorder")
        )
        answer = {
            "orders": found.orders,
            "manufacturing_orders": [o.pk for o in found.manufacturing_orders],
            "requests": [r.pk for r in found.requests],
            "rfqs": [o.pk for o in found.rfqs],
        }
        return Response(ReleasedSerializer(answer).data)


class ForecastSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Forecast
        fields = ["id", "version", "product", "warehouse", "month", "quantity", "created_at", "updated_at"]
        read_only_fields = fields


class ForecastWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    warehouse = ScopedPrimaryKeyField(
        queryset=Warehouse.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where the demand is expected; the company's first warehouse when left out.",
    )
    month = serializers.DateField(help_text="Any day of the month; the first is kept.")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        model = Forecast
        fields = mrp_services.FORECAST_FIELDS


class ForecastViewSet(ServiceModelViewSet):
    """Manual demand per product, warehouse and month. DELETE removes the forecast."""

    model = Forecast
    serializer_class = ForecastSerializer
    write_serializer_class = ForecastWriteSerializer
    filterset_class = ForecastFilter

    def perform_service_create(self, data: dict[str, Any]) -> Forecast:
        return mrp_services.create_forecast(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Forecast, data: dict[str, Any], expected_version: int | None
    ) -> Forecast:
        return mrp_services.update_forecast(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Forecast, expected_version: int | None) -> None:
        mrp_services.delete_forecast(instance, self.actor, expected_version=expected_version)
