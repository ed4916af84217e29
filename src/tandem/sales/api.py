"""``/api/v1/sales/orders/``: quotations and orders with their lines; ``send``, ``confirm``,
``cancel`` and ``invoice`` are POSTs on the order. ``/api/v1/sales/credit-limits/``: customers'
credit limits. ``/api/v1/sales/analysis/``: the sales analysis' groups and figures. Thin:
services write, queries read."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.accounting.models import Tax
from tandem.api.fields import ScopedPrimaryKeyField, StrictFieldsMixin
from tandem.api.viewsets import CreateMixin, ExportMixin, RetrieveMixin, ServiceViewSet, UpdateMixin
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Currency, Uom, User
from tandem.crm.models import Deal
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.filters import OrderFilter
from tandem.sales.models import ANALYSIS, CreditLimit, InvoicePolicy, SalesOrder, SalesOrderLine
from tandem.sales.queries import profit, promise

CHANGE = ["sales.change_salesorder"]


def _quantity(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True, **kwargs)


class SalesOrderLineSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    uom: serializers.SlugRelatedField[Uom] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    quantity = _quantity(read_only=True)

    class Meta:
        model = SalesOrderLine
        fields = [
            "id",
            "product",
            "description",
            "quantity",
            "uom",
            "price_unit",
            "discount",
            "taxes",
            "optional",
            "invoice_policy",
            "cost_unit",
            "amount_untaxed",
            "amount_total",
        ]
        read_only_fields = fields


class SalesOrderSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    lines = SalesOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "version",
            "number",
            "state",
            "partner",
            "contact",
            "salesperson",
            "deal",
            "currency",
            "warehouse",
            "delivery",
            "order_date",
            "validity_date",
            "promised_date",
            "customer_reference",
            "notes",
            "amount_untaxed",
            "amount_tax",
            "amount_total",
            "amount_company",
            "cost_total",
            "approved_by",
            "sent_at",
            "confirmed_at",
            "lines",
        ]
        read_only_fields = fields


class SalesOrderLineWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    product = ScopedPrimaryKeyField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)
    price_unit = serializers.DecimalField(max_digits=18, decimal_places=4, required=False, allow_null=True)
    discount = serializers.DecimalField(max_digits=7, decimal_places=4, required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    uom = serializers.SlugRelatedField(slug_field="code", queryset=Uom.objects.all(), required=False)
    optional = serializers.BooleanField(required=False)
    taxes = serializers.ListField(child=ScopedPrimaryKeyField(queryset=Tax.objects.all()), required=False)
    invoice_policy = serializers.ChoiceField(choices=InvoicePolicy.choices, required=False)


class SalesOrderWriteSerializer(StrictFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    contact = ScopedPrimaryKeyField(queryset=Partner.objects.all(), required=False, allow_null=True)
    deal = ScopedPrimaryKeyField(queryset=Deal.objects.all(), required=False, allow_null=True)
    salesperson = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.filter(active=True), required=False
    )
    warehouse = ScopedPrimaryKeyField(queryset=Warehouse.objects.all(), required=False, allow_null=True)
    order_date = serializers.DateField(required=False)
    lines = SalesOrderLineWriteSerializer(many=True, required=False)

    class Meta:
        model = SalesOrder
        fields = [*services.ORDER_HEADER, "lines"]


def _lines(data: dict[str, Any]) -> list[services.OrderLineData] | None:
    given = data.pop("lines", None)
    if given is None:
        return None
    return [services.OrderLineData(**row) for row in given]


class InvoiceQuantitySerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4)


class OrderInvoiceSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    invoice_date = serializers.DateField(required=False)
    lines = InvoiceQuantitySerializer(many=True, required=False)


class OrderReturnSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    lines = InvoiceQuantitySerializer(many=True, help_text="the lines coming back, in each line's unit")
    credit = serializers.BooleanField(required=False, default=False, help_text="also draft the credit note")
    credit_date = serializers.DateField(required=False)


class OrdersInvoiceSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=200, help_text="the orders' ids"
    )
    invoice_date = serializers.DateField(required=False)


class DownPaymentSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    percent = serializers.DecimalField(
        max_digits=7, decimal_places=4, required=False, help_text="a percentage of the order's total"
    )
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, help_text="a fixed amount, taxes included"
    )
    invoice_date = serializers.DateField(required=False)


class OrderReturnResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    transfers = serializers.ListField(child=serializers.IntegerField(), help_text="the return transfers")
    credit_note = serializers.IntegerField(allow_null=True)


class OrderInvoiceResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    invoice = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)


class OrderProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    delivered = serializers.BooleanField()
    invoiced = serializers.BooleanField()
    paid = serializers.BooleanField()
    amount_invoiced = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)
    amount_due = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True)
    finished = serializers.BooleanField(
        help_text="nothing is left to deliver, invoice or credit: what makes a confirmed order done"
    )


SOURCES = [
    promise.Source.STOCK,
    promise.Source.INCOMING,
    promise.Source.PURCHASE,
    promise.Source.NONE,
    promise.Source.NOT_STOCKED,
    promise.Source.DELIVERED,
]


class LinePromiseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    line = serializers.IntegerField(source="key", help_text="the order line's id")
    product = serializers.IntegerField(source="product.pk")
    quantity = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        coerce_to_string=True,
        help_text="left to ship, in the product's unit",
    )
    date = serializers.DateField(allow_null=True, help_text="the earliest day it can ship; null: no promise")
    source = serializers.ChoiceField(choices=SOURCES)  # type: ignore[assignment]  # a field named "source"
    lead_time_days = serializers.IntegerField(
        allow_null=True, help_text="the supplier's, when it must be bought"
    )


class OrderPromiseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    date = serializers.DateField(allow_null=True, help_text="the whole order's earliest ship date")
    promised_date = serializers.DateField(allow_null=True)
    late = serializers.BooleanField(
        help_text="confirmed, not delivered, and it cannot ship by the promised date"
    )
    lines = LinePromiseSerializer(many=True)


class SalesOrderViewSet(
    RetrieveMixin, CreateMixin, UpdateMixin, ExportMixin, mixins.ListModelMixin, ServiceViewSet
):
    """Quotations (draft, sent) and orders with their lines. Quotations change (PUT/PATCH with
    their lines); ``send/`` numbers and e-mails the quotation, ``confirm/`` confirms it (credit and
    discount limits: above them only a sales manager), ``invoice/`` drafts the invoice the lines'
    policy allows, ``cancel/`` cancels; ``progress/`` reads what was delivered, invoiced and paid."""

    model = SalesOrder
    serializer_class = SalesOrderSerializer
    write_serializer_class = SalesOrderWriteSerializer
    filterset_class = OrderFilter
    list_prefetch_related = ("lines__uom", "lines__taxes")
    ordering_fields = ("id", "order_date", "promised_date")
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    def perform_service_create(self, data: dict[str, Any]) -> SalesOrder:
        return services.create_order(self.company, self.actor, lines=_lines(data) or [], **data)

    def perform_service_update(
        self, instance: SalesOrder, data: dict[str, Any], expected_version: int | None
    ) -> SalesOrder:
        lines = _lines(data)
        return services.update_order(
            instance, self.actor, expected_version=expected_version, lines=lines, **data
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Delete a quotation never sent (others are cancelled: 409)."""
        order = self.get_object()
        self.expected_version(order)
        services.delete_draft(order, self.actor)
        return Response(status=204)

    @extend_schema(request=None, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def send(self, request: Request, pk: str | None = None) -> Response:
        """Number the quotation and e-mail it with its PDF (marked sent when nobody has an address)."""
        return self.act(lambda order, _version: services.send_order(order, self.actor))

    @extend_schema(request=None, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the quotation: reserve the goods and prepare the delivery."""
        return self.act(lambda order, _version: services.confirm_order(order, self.actor))

    @extend_schema(request=None, responses=SalesOrderSerializer)
    @action(detail=True, methods=["post"], changes_record=True, required_perms=CHANGE)
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a quotation or an order not invoiced: reservations are released."""
        return self.act(lambda order, _version: services.cancel_order(order, self.actor))

    @extend_schema(request=OrderInvoiceSerializer, responses={201: OrderInvoiceResultSerializer})
    @action(detail=True, methods=["post"], required_perms=["sales.view_salesorder", "accounting.add_invoice"])
    def invoice(self, request: Request, pk: str | None = None) -> Response:
        """A draft customer invoice for what the lines' policy allows (or ``lines``: less)."""
        data = self.validated(OrderInvoiceSerializer(data=request.data))
        order = self.get_object()
        given = data.get("lines")
        quantities = {row["line"]: row["quantity"] for row in given} if given is not None else None
        invoice = services.invoice_order(
            order, self.actor, invoice_date=data.get("invoice_date"), quantities=quantities
        )
        body = {"invoice": invoice.pk, "total": invoice.amount_total}
        return Response(OrderInvoiceResultSerializer(body).data, status=201)

    @extend_schema(request=None, responses={201: OrderInvoiceResultSerializer})
    @action(detail=True, methods=["post"], required_perms=["sales.view_salesorder", "accounting.add_invoice"])
    def credit(self, request: Request, pk: str | None = None) -> Response:
        """A draft credit note for the invoiced goods returned or cancelled and not credited yet."""
        note = services.credit_returned(self.get_object(), self.actor)
        body = {"invoice": note.pk, "total": note.amount_total}
        return Response(OrderInvoiceResultSerializer(body).data, status=201)

    @extend_schema(
        operation_id="v1_sales_orders_invoice_many",  # the detail action has the path's name
        request=OrdersInvoiceSerializer,
        responses={201: OrderInvoiceResultSerializer},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="invoice",
        url_name="invoice-many",
        required_perms=["sales.view_salesorder", "accounting.add_invoice"],
    )
    def invoice_many(self, request: Request) -> Response:
        """One draft invoice for what is left to invoice of several confirmed orders (``ids``) of
        one customer, company and currency; otherwise refused with the reason, nothing written."""
        data = self.validated(OrdersInvoiceSerializer(data=request.data))
        ids = set(data["ids"])
        orders = list(self.get_queryset().filter(pk__in=ids))
        if len(orders) != len(ids):
            missing = sorted(ids - {order.pk for order in orders})
            raise ValidationFailed(
                {"ids": [_("No such orders: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
            )
        invoice = services.invoice_orders(orders, self.actor, invoice_date=data.get("invoice_date"))
        body = {"invoice": invoice.pk, "total": invoice.amount_total}
        return Response(OrderInvoiceResultSerializer(body).data, status=201)

    @extend_schema(request=DownPaymentSerializer, responses={201: OrderInvoiceResultSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="down-payment",
        required_perms=["sales.view_salesorder", "accounting.add_invoice"],
    )
    def down_payment(self, request: Request, pk: str | None = None) -> Response:
        """A draft invoice of a down payment: ``percent`` of the order's total or a fixed
        ``amount`` (taxes included), deducted from the order's later invoices."""
        data = self.validated(DownPaymentSerializer(data=request.data))
        invoice = services.invoice_down_payment(
            self.get_object(),
            self.actor,
            percent=data.get("percent"),
            amount=data.get("amount"),
            invoice_date=data.get("invoice_date"),
        )
        body = {"invoice": invoice.pk, "total": invoice.amount_total}
        return Response(OrderInvoiceResultSerializer(body).data, status=201)

    @extend_schema(request=None, responses={201: OrderInvoiceResultSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="give-back",
        url_name="give-back",
        required_perms=["sales.view_salesorder", "accounting.add_invoice"],
    )
    def give_back(self, request: Request, pk: str | None = None) -> Response:
        """A draft credit note giving the customer back the down payments not deducted, once
        nothing more of the order is to be delivered or invoiced."""
        note = services.credit_down_payments_left(self.get_object(), self.actor)
        body = {"invoice": note.pk, "total": note.amount_total}
        return Response(OrderInvoiceResultSerializer(body).data, status=201)

    @extend_schema(request=OrderReturnSerializer, responses={201: OrderReturnResultSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        required_perms=["sales.change_salesorder", "inventory.add_transfer"],
    )
    def return_goods(self, request: Request, pk: str | None = None) -> Response:
        """The customer sends delivered goods back: the return transfers and, with ``credit``, the
        draft credit note for what of them was invoiced."""
        data = self.validated(OrderReturnSerializer(data=request.data))
        made = services.return_goods(
            self.get_object(),
            self.actor,
            quantities={row["line"]: row["quantity"] for row in data["lines"]},
            credit=data["credit"],
            credit_date=data.get("credit_date"),
        )
        body = {
            "transfers": [t.pk for t in made.transfers],
            "credit_note": made.credit_note.pk if made.credit_note is not None else None,
        }
        return Response(OrderReturnResultSerializer(body).data, status=201)

    @extend_schema(request=None, responses=OrderPromiseSerializer)
    @action(detail=True, methods=["get"])
    def promise(self, request: Request, pk: str | None = None) -> Response:
        """The delivery promise: when each line (of a confirmed order: what is left of it) and the
        whole order can ship, from projected stock and the supplier's lead time; ``late`` when a
        confirmed order can no longer ship by its promised date."""
        order = self.get_object()
        found = (
            promise.order_promise(order) if order.state != SalesOrder.State.CANCELLED else promise.Promise([])
        )
        body = {
            "date": found.date,
            "promised_date": order.promised_date,
            "late": promise.late(order, found),
            "lines": found.lines,
        }
        return Response(OrderPromiseSerializer(body).data)

    @extend_schema(request=None, responses=OrderProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        """Delivered, invoiced and paid: derived from the deliveries and invoices."""
        return Response(OrderProgressSerializer(queries.progress(self.get_object())).data)


class CreditLimitSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, coerce_to_string=True, read_only=True)

    class Meta:
        model = CreditLimit
        fields = ["id", "partner", "amount"]
        read_only_fields = fields


class CreditLimitWriteSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    partner = ScopedPrimaryKeyField(queryset=Partner.objects.all())
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class CreditLimitUpdateSerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)


class CreditLimitViewSet(RetrieveMixin, CreateMixin, UpdateMixin, mixins.ListModelMixin, ServiceViewSet):
    """How much each customer may owe (company currency): above it, confirming an order needs a
    sales manager. POST sets a customer's limit (replacing one it had), PATCH changes it,
    DELETE removes it (no limit)."""

    model = CreditLimit
    serializer_class = CreditLimitSerializer
    write_serializer_class = CreditLimitWriteSerializer
    list_select_related = ("partner",)
    ordering_fields = ("id", "amount")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    perms_map_overrides = {"DELETE": ["%(app_label)s.change_%(model_name)s"]}

    def get_write_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer:  # type: ignore[type-arg]
        if self.action in ("update", "partial_update"):
            kwargs.setdefault("context", self.get_serializer_context())
            return CreditLimitUpdateSerializer(*args, **kwargs)
        return super().get_write_serializer(*args, **kwargs)

    def perform_service_create(self, data: dict[str, Any]) -> CreditLimit:
        return services.set_credit_limit(self.company, self.actor, **data)  # type: ignore[return-value]

    def perform_service_update(
        self, instance: CreditLimit, data: dict[str, Any], expected_version: int | None
    ) -> CreditLimit:
        return services.set_credit_limit(  # type: ignore[return-value]
            self.company,
            self.actor,
            partner=instance.partner,
            amount=data["amount"],
            expected_version=expected_version,
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Remove the customer's credit limit: its orders are confirmed without one."""
        row = self.get_object()
        services.set_credit_limit(
            self.company,
            self.actor,
            partner=row.partner,
            amount=None,
            expected_version=self.expected_version(row),
        )
        return Response(status=204)


# --- /api/v1/sales/analysis/ -----------------------------------------------------------------------


class AnalysisQuerySerializer(StrictFieldsMixin, serializers.Serializer):  # type: ignore[type-arg]
    rows = serializers.ChoiceField(choices=list(profit.DIMENSIONS), default="customer")
    columns = serializers.ChoiceField(choices=list(profit.DIMENSIONS), required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError({"end": "The period ends before it starts."})
        if attrs.get("columns") == attrs["rows"]:
            raise serializers.ValidationError({"columns": "Choose columns other than the rows."})
        return attrs


def _amount() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True)


class FiguresSerializer(serializers.Serializer):  # type: ignore[type-arg]
    revenue = _amount()
    discount = _amount()
    gross = _amount()
    cost = _amount()
    margin = _amount()
    margin_percent = serializers.DecimalField(
        max_digits=8, decimal_places=1, coerce_to_string=True, allow_null=True
    )
    quantity = _quantity()
    orders = serializers.IntegerField()


class KeySerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField(
        allow_null=True,
        help_text="An id (customer, product, category, salesperson), a country code or a month (YYYY-MM).",
    )
    name = serializers.CharField()


class GroupSerializer(serializers.Serializer):  # type: ignore[type-arg]
    row = KeySerializer()
    column = KeySerializer(allow_null=True)
    figures = FiguresSerializer()


class AnalysisSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rows = serializers.CharField()
    columns = serializers.CharField(allow_null=True)
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    groups = GroupSerializer(many=True)
    total = FiguresSerializer()


def _key(key: Any, label: str) -> dict[str, Any]:
    return {"key": None if key is None else str(key), "name": label}


class AnalysisViewSet(ServiceViewSet):
    """The sales analysis: revenue, discounts, cost of goods sold, margin, quantity and orders
    grouped by ``rows`` (and ``columns``) over a period, for what the caller may see — the same
    SQL as the page (``sales.queries.profit``)."""

    model = SalesOrder
    required_perms = ["sales.view_salesorder", ANALYSIS]
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "rows", str, enum=list(profit.DIMENSIONS), description="Group rows by (customer)."
            ),
            OpenApiParameter("columns", str, enum=list(profit.DIMENSIONS), description="Columns by (none)."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (open when absent)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, included (open when absent)."),
        ],
        responses=AnalysisSerializer,
        tags=["sales"],
    )
    def list(self, request: Request) -> Response:
        query = AnalysisQuerySerializer(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = profit.Scope(self.company, request.user, data.get("start"), data.get("end"))
        rows, columns = data["rows"], data.get("columns")
        groups = [
            {
                "row": _key(g.row, g.row_label),
                "column": _key(g.column, g.column_label) if columns else None,
                "figures": g.figures,
            }
            for g in profit.analysis(scope, rows, columns)
        ]
        answer = {
            "rows": rows, "columns": columns, "start": scope.start, "end": scope.end,
            "currency": self.company.currency_id, "groups": groups, "total": profit.total(scope),
        }  # fmt: skip
        return Response(AnalysisSerializer(answer).data)
