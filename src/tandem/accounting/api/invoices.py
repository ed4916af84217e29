"""``/api/v1/accounting/invoices/``: invoices, credit notes, bills and refunds with their lines;
``post``, ``cancel``, ``send`` and ``credit`` are POSTs on the invoice. Thin: services write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import Account, FiscalPosition, Invoice, InvoiceLine, Tax
from tandem.accounting.services import invoices as services
from tandem.api.fields import RecordWarningsField, ScopedPrimaryKeyField, StrictFieldsMixin, same_company
from tandem.api.viewsets import CreateMixin, ExportMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from tandem.catalog.models import Product
from tandem.core.models import Currency, PaymentTerm
from tandem.partners.models import Partner


class InvoiceLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = InvoiceLine
        fields = [
            "id", "description", "product", "quantity", "price_unit", "discount", "account", "taxes",
            "amount_untaxed", "amount_total",
        ]  # fmt: skip
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id", "version", "number", "kind", "state", "partner", "journal", "invoice_date",
            "accounting_date", "due_date", "currency", "rate", "payment_term", "fiscal_position",
            "credited_invoice", "payment_reference", "supplier_reference", "origin", "notes",
            "amount_untaxed", "amount_tax",
            "amount_total", "amount_total_company", "entry", "sent_at", "lines",
        ]  # fmt: skip
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    """One invoice, with the warnings apps above accounting raise on it (a supplier bill's
    three-way match against its purchase order)."""

    warnings = RecordWarningsField(
        help_text="What the apps above accounting warn about this invoice (a bill billing more than "
        "was received, at another price than ordered); on the invoice itself, not in lists."
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class LineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The draft's line this changes (it keeps its identity); a line not named again is removed.",
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    product = ScopedPrimaryKeyField(queryset=Product.objects.all(), required=False, allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4, default=Decimal(1))
    price_unit = serializers.DecimalField(max_digits=20, decimal_places=4)
    discount = serializers.DecimalField(max_digits=7, decimal_places=4, default=Decimal(0))
    account = ScopedPrimaryKeyField(queryset=Account.objects.all(), required=False, allow_null=True)
    taxes = ScopedPrimaryKeyField(queryset=Tax.objects.all(), many=True, required=False)


class InvoiceWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.filter(active=True), required=False
    )
    payment_term = ScopedPrimaryKeyField(
        queryset=PaymentTerm.objects.all(), scope=same_company, required=False, allow_null=True
    )
    fiscal_position = ScopedPrimaryKeyField(
        queryset=FiscalPosition.objects.all(), required=False, allow_null=True
    )
    lines = LineWriteSerializer(many=True, required=False)

    class Meta:
        model = Invoice
        fields = [
            "kind", "partner", "invoice_date", "accounting_date", "currency", "payment_term",
            "fiscal_position", "payment_reference", "supplier_reference", "notes", "lines",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields.pop("kind")


def _lines(data: dict[str, Any]) -> list[services.LineData] | None:
    given = data.pop("lines", None)
    if given is None:
        return None
    return [services.LineData(**{**row, "taxes": row.get("taxes") or None}) for row in given]


class InvoiceViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Invoices and bills. Drafts change (PUT/PATCH with their lines) or go (DELETE); ``post/`` books them,
    ``cancel/`` cancels (a posted one is reversed), ``credit/`` drafts a credit note,
    ``send/`` e-mails the PDF."""

    model = Invoice
    serializer_class = InvoiceSerializer
    detail_serializer_class = InvoiceDetailSerializer
    etag_covers_detail = False  # the warnings apps above raise read other records
    write_serializer_class = InvoiceWriteSerializer
    filterset_fields = ["kind", "state", "partner", "currency"]
    list_prefetch_related = ("lines__taxes",)
    ordering_fields = ("id", "invoice_date", "due_date")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_service_create(self, data: dict[str, Any]) -> Invoice:
        lines = _lines(data) or []
        return services.create_invoice(self.company, self.actor, lines=lines, **data)

    def perform_service_update(
        self, instance: Invoice, data: dict[str, Any], expected_version: int | None
    ) -> Invoice:
        lines = _lines(data)
        return services.update_invoice(
            instance, self.actor, data, lines=lines, expected_version=expected_version
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a draft (a posted invoice is cancelled instead: 409)."""
        invoice = self.get_object()
        self.expected_version(invoice)
        services.delete_draft(invoice, self.actor)
        return Response(status=204)

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def post(self, request: Request, pk: str | None = None) -> Response:
        """Post a draft: its journal entry is booked and it gets its number."""
        return self.act(lambda invoice, _version: services.post_invoice(invoice, self.actor))

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel: a draft simply, a posted invoice by reversing its entry."""
        return self.act(lambda invoice, _version: services.cancel_invoice(invoice, self.actor))

    @extend_schema(request=None, responses=InvoiceDetailSerializer)
    @action(detail=True, methods=["post"], changes_record=True)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """E-mail a posted invoice with its PDF to the partner."""
        return self.act(lambda invoice, _version: services.send_invoice(invoice, self.actor))

    @extend_schema(request=None, responses={201: InvoiceDetailSerializer})
    @action(detail=True, methods=["post"])
    def credit(self, request: Request, pk: str | None = None) -> Response:
        """A draft credit note (or refund) for the whole invoice; answers the new draft."""
        return self.respond(services.credit_note(self.get_object(), self.actor), 201)
