"""SEPA payment runs over HTTP: list and read the runs, create one (the supplier bills to pay,
the bank journal, the execution date) and download its pain.001 file from ``file/``.

A run is made once by ``services.sepa.create_run`` (the payments are posted and matched, the
file validated) and never changes: its message ID is the file's, so there is no update."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from tandem.accounting.models import Invoice, Journal, PaymentRun
from tandem.accounting.services import sepa
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, RetrieveMixin, ServiceViewSet


class PaymentRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = PaymentRun
        fields = [
            "id", "name", "journal", "date", "due_until", "amount", "currency", "payments", "file_name",
            "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class PaymentRunWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    journal = ScopedPrimaryKeyField(
        queryset=Journal.objects.all(), help_text="The bank journal the transfer leaves from (its IBAN)."
    )
    date = serializers.DateField(help_text="The execution date the bank is asked for.")
    bills = serializers.ListField(
        child=ScopedPrimaryKeyField(queryset=Invoice.objects.all()),
        min_length=1,
        max_length=500,
        help_text="The posted supplier bills in euros to pay, each in what is left of it.",
    )
    due_until = serializers.DateField(
        required=False, allow_null=True, help_text="The date the bills were chosen by (recorded on the run)."
    )


class PaymentRunViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """SEPA credit-transfer runs paying supplier bills. POST creates a run (its outgoing payments
    are posted and matched with the bills); ``file/`` is the pain.001.001.03 file for the bank."""

    model = PaymentRun
    serializer_class = PaymentRunSerializer
    write_serializer_class = PaymentRunWriteSerializer
    list_prefetch_related = ("payments",)
    ordering_fields = ("id", "date")
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[PaymentRun]:
        rows = super().get_queryset()
        return rows if self.action == "file" else rows.defer("xml")  # the file is read by file/ only

    def perform_service_create(self, data: dict[str, Any]) -> PaymentRun:
        return sepa.create_run(self.company, self.actor, **data)

    @extend_schema(
        responses={(200, "application/xml"): OpenApiResponse(OpenApiTypes.BINARY, description="pain.001")}
    )
    @action(detail=True, methods=["get"], required_perms=["accounting.view_paymentrun"])
    def file(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The run's pain.001.001.03 credit-transfer file, as the bank takes it."""
        run = self.get_object()
        response = HttpResponse(run.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{run.file_name}"'
        return response
