"""``/api/v1/planning/reorder-rules/``: reorder rules, and ``run/`` to check them now. Thin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import ServiceModelViewSet
from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.planning import services
from tandem.planning.filters import ReorderRuleFilter
from tandem.planning.models import ReorderRule


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
