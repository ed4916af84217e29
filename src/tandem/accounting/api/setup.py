"""The books' settings over HTTP: taxes, tax groups and cost centres. Everyone with the books'
view right reads them; accountants and administrators write them, through the same services
as the pages. Rates travel as decimal strings."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.filters.setup import TaxFilter
from tandem.accounting.models import Account, CostCentre, Tax, TaxGroup
from tandem.accounting.services import ledger, taxes
from tandem.accounting.services.ledger import COST_CENTRE_FIELDS
from tandem.accounting.services.taxes import TAX_FIELDS, TAX_GROUP_FIELDS
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import (
    CreateMixin,
    ExportMixin,
    RetrieveMixin,
    ServiceModelViewSet,
    ServiceViewSet,
    UpdateMixin,
)


class TaxSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=16, decimal_places=4, coerce_to_string=True, read_only=True)

    class Meta:
        model = Tax
        fields = ["id", *TAX_FIELDS, "version"]
        read_only_fields = fields


def _account() -> ScopedPrimaryKeyField:
    return ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True)


class TaxWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=16, decimal_places=4, required=False)
    group = ScopedPrimaryKeyField(queryset=TaxGroup.objects.all(), required=False, allow_null=True)
    children = ScopedPrimaryKeyField(queryset=Tax.objects.all(), many=True, required=False)
    account = _account()
    refund_account = _account()
    reverse_charge_account = _account()

    class Meta:
        model = Tax
        fields = [*TAX_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []  # one name per use: the service's business


class TaxViewSet(ServiceModelViewSet):
    """Taxes. DELETE archives a tax (invoices keep what they posted with it)."""

    model = Tax
    serializer_class = TaxSerializer
    write_serializer_class = TaxWriteSerializer
    filterset_class = TaxFilter
    ordering_fields = ("id", "name", "sequence")

    def get_queryset(self) -> Any:
        return super().get_queryset().prefetch_related("children")

    def perform_service_create(self, data: dict[str, Any]) -> Tax:
        return taxes.create_tax(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: Tax, data: dict[str, Any], expected_version: int | None
    ) -> Tax:
        return taxes.update_tax(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: Tax, expected_version: int | None) -> None:
        taxes.update_tax(instance, self.actor, expected_version=expected_version, active=False)


class TaxGroupSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaxGroup
        fields = ["id", *TAX_GROUP_FIELDS, "version"]
        read_only_fields = fields


class TaxGroupWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TaxGroup
        fields = [*TAX_GROUP_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []


class TaxGroupViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Tax groups (how taxes are summed on a document's totals). DELETE removes a group no tax uses."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    model = TaxGroup
    serializer_class = TaxGroupSerializer
    write_serializer_class = TaxGroupWriteSerializer
    ordering_fields = ("id", "name", "sequence")

    def perform_service_create(self, data: dict[str, Any]) -> TaxGroup:
        return taxes.create_tax_group(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: TaxGroup, data: dict[str, Any], expected_version: int | None
    ) -> TaxGroup:
        return taxes.update_tax_group(instance, self.actor, expected_version=expected_version, **data)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        group = self.get_object()
        self.expected_version(group)
        taxes.delete_tax_group(group, self.actor)
        return Response(status=204)


class CostCentreSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = CostCentre
        fields = ["id", *COST_CENTRE_FIELDS, "version"]
        read_only_fields = fields


class CostCentreWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    parent = ScopedPrimaryKeyField(  # type: ignore[assignment]  # DRF pops declared fields off the class
        queryset=CostCentre.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = CostCentre
        fields = [*COST_CENTRE_FIELDS, "version"]
        read_only_fields = ["version"]
        validators: list[Any] = []


class CostCentreViewSet(ServiceModelViewSet):
    """Cost centres. DELETE archives a cost centre."""

    model = CostCentre
    serializer_class = CostCentreSerializer
    write_serializer_class = CostCentreWriteSerializer
    ordering_fields = ("id", "code")

    def perform_service_create(self, data: dict[str, Any]) -> CostCentre:
        return ledger.create_cost_centre(self.company, self.actor, **data)

    def perform_service_update(
        self, instance: CostCentre, data: dict[str, Any], expected_version: int | None
    ) -> CostCentre:
        return ledger.update_cost_centre(instance, self.actor, expected_version=expected_version, **data)

    def perform_service_archive(self, instance: CostCentre, expected_version: int | None) -> None:
        ledger.update_cost_centre(instance, self.actor, expected_version=expected_version, active=False)
