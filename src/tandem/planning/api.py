"""``/api/v1/planning/``: ``reorder-rules/`` (and ``run/`` to check them now), ``capable-to-promise/``
and ``capacity/`` (with ``schedule/``). Thin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import ServiceModelViewSet, ServiceViewSet
from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.manufacturing.models import WorkCentre
from tandem.planning import capacity, queries, scheduling, services
from tandem.planning.filters import ReorderRuleFilter
from tandem.planning.models import ReorderRule

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
