"""Payments and reconciliations over HTTP: a draft payment is posted by ``post/``; a
reconciliation is created from the open items to match and removed (unreconciled) by DELETE."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import Journal, JournalLine, Payment, Reconciliation
from tandem.accounting.services import payments as services
from tandem.accounting.services import reconciliation
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, RetrieveMixin, ServiceViewSet
from tandem.core.models import Currency
from tandem.partners.models import Partner


class PaymentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Payment
        fields = [
            "id", "direction", "partner", "journal", "number", "date", "amount", "currency", "amount_company",
            "reference", "state", "entry", "posted_at", "created_at", "version",
        ]  # fmt: skip
        read_only_fields = fields


class PaymentWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    direction = serializers.ChoiceField(choices=Payment.Direction.choices)
    journal = ScopedPrimaryKeyField(queryset=Journal.objects.all())
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    currency = serializers.SlugRelatedField(
        slug_field="code", queryset=Currency.objects.filter(active=True), required=False
    )
    reference = serializers.CharField(required=False, allow_blank=True, max_length=140, default="")


class PaymentViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, ServiceViewSet):
    """Incoming and outgoing payments. ``post/`` books a draft's entry; ``cancel/`` reverses a
    posted payment that is matched with nothing (a draft is refused: it has nothing to reverse)."""

    model = Payment
    serializer_class = PaymentSerializer
    write_serializer_class = PaymentWriteSerializer
    list_select_related = ("journal", "partner")
    ordering_fields = ("id", "date")
    http_method_names = ["get", "post", "head", "options"]

    def perform_service_create(self, data: dict[str, Any]) -> Payment:
        return services.create_payment(self.company, self.actor, **data)

    @extend_schema(request=None, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["accounting.change_payment"])
    def post(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft payment: its entry is booked and it gets its number."""
        return self.act(lambda payment, _version: services.post_payment(payment, self.actor))

    @extend_schema(request=None, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=["accounting.change_payment"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Reverse a posted payment that is matched with nothing."""
        return self.act(lambda payment, _version: services.cancel_payment(payment, self.actor))


class ReconciliationSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Reconciliation
        fields = [
            "id", "debit_line", "credit_line", "amount", "debit_amount_currency", "credit_amount_currency",
            "exchange_entry", "write_off_entry", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReconcileSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    lines = serializers.ListField(
        child=ScopedPrimaryKeyField(queryset=JournalLine.objects.all()), min_length=2, max_length=200
    )
    write_off = serializers.BooleanField(required=False, default=False)


class ReconciliationViewSet(RetrieveMixin, mixins.ListModelMixin, ServiceViewSet):
    """Matches of debit and credit open items. POST the open items' line ids to match them
    (answers the matches made); POST ``unreconcile/`` on a match to undo it. A match never
    changes, so undoing it is an action, not a versioned DELETE."""

    model = Reconciliation
    serializer_class = ReconciliationSerializer
    write_serializer_class = ReconcileSerializer
    ordering_fields = ("id",)
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=ReconcileSerializer, responses={201: ReconciliationSerializer(many=True)})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(self.get_write_serializer(data=request.data))
        made = reconciliation.reconcile(data["lines"], self.actor, write_off=data["write_off"])
        shown = ReconciliationSerializer(made, many=True, context=self.get_serializer_context())
        return Response(shown.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], required_perms=["accounting.delete_reconciliation"])
    def unreconcile(self, request: Request, pk: str | None = None) -> Response:
        reconciliation.unreconcile(self.get_object(), self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
