"""Sales pages: quotations and orders (list, detail with lines, totals per tax, margin and what
was delivered, invoiced and paid; the form with its lines), their actions (send, confirm,
invoice, cancel), the PDF, and the customer card's panel of orders."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.filters import OrderFilter
from tandem.sales.forms import SalesOrderForm, customers, deals
from tandem.sales.models import SalesOrder
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

S = SalesOrder.State

autocomplete.register(
    "sales.customer",
    autocomplete.Source(
        rows=lambda request: customers(request.user),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "sales.person",
    autocomplete.Source(
        rows=lambda request: Partner.objects.visible_to(request.user).filter(
            active=True, kind=Partner.Kind.PERSON
        ),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "sales.deal",
    autocomplete.Source(
        rows=lambda request: deals(request.user),
        search=lambda rows, text: rows.filter(title__icontains=text),
        order=("title", "id"),
    ),
)
autocomplete.register(
    "sales.product",
    autocomplete.Source(
        rows=lambda request: Product.objects.visible_to(request.user).filter(active=True),
        search=lambda rows, text: rows.filter(Q(name__icontains=text) | Q(sku__icontains=text)),
        order=("name_key", "id"),
    ),
)


class OrderActions(ActionView):
    model = SalesOrder
    url_name = "sales:order_{name}"
    actions = [
        Action(
            "send",
            gettext_lazy("Send"),
            lambda request, so: services.send_order(so, request.user),
            done=gettext_lazy("The quotation was sent."),
            available=lambda so, user: so.state in services.EDITABLE,
        ),
        Action(
            "confirm",
            gettext_lazy("Confirm"),
            lambda request, so: services.confirm_order(so, request.user),
            done=gettext_lazy("Confirmed: the goods are reserved and the delivery is prepared."),
            available=lambda so, user: so.state in services.EDITABLE,
            style="primary",
        ),
        Action(
            "invoice",
            gettext_lazy("Create invoice"),
            lambda request, so: services.invoice_order(so, request.user),
            done=gettext_lazy("A draft invoice was created."),
            permission="accounting.add_invoice",
            available=lambda so, user: so.state == S.CONFIRMED,
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, so: services.cancel_order(so, request.user),
            done=gettext_lazy("The order was cancelled."),
            confirm=gettext_lazy("Cancel this order? Its reservations are released. This cannot be undone."),
            available=lambda so, user: so.state in {S.DRAFT, S.SENT, S.CONFIRMED},
            style="outline-danger",
        ),
    ]


ORDER_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True, accessor=str),
    Column("partner", gettext_lazy("Customer")),
    Column("customer_reference", gettext_lazy("Customer's reference")),
    Column("salesperson", gettext_lazy("Salesperson")),
    Column("order_date", gettext_lazy("Date"), sort="date"),
    Column("promised_date", gettext_lazy("Promised"), sort="promised"),
    Column("state", gettext_lazy("State")),
    Column("amount_total", gettext_lazy("Total"), numeric=True),
    Column("currency", gettext_lazy("Currency"), accessor=lambda o: o.currency_id),
]


class OrderListView(ObjectListView):
    model = SalesOrder
    title = gettext_lazy("Quotations and orders")
    filterset_class = OrderFilter
    filter_fields = ["state", "partner"]
    columns = ORDER_COLUMNS
    sorts = {
        "date": SortKey("order_date", gettext_lazy("Date"), descending=True),
        "promised": SortKey("promised_date", gettext_lazy("Promised")),
    }
    default_sort = "date"
    create_url_name = "sales:order_create"
    create_label = gettext_lazy("New quotation")
    export_url_name = "sales:order_export"

    def decorate(self, rows: QuerySet[SalesOrder]) -> QuerySet[SalesOrder]:
        return rows.select_related("partner", "salesperson")


class OrderDetailView(ObjectDetailView):
    model = SalesOrder
    template_name = "sales/order_detail.html"
    action_view = OrderActions
    edit_url_name = "sales:order_edit"
    list_url_name = "sales:order_list"
    fields = [
        "partner",
        "contact",
        "salesperson",
        "deal",
        "state",
        "amount_total",
        "currency",
        "order_date",
        "validity_date",
        "promised_date",
        "warehouse",
        "customer_reference",
        (gettext_lazy("Approved by"), lambda o: o.approved_by),
        "sent_at",
        "confirmed_at",
        "notes",
    ]

    def get_queryset(self) -> QuerySet[SalesOrder]:
        return (
            super()
            .get_queryset()
            .select_related(
                "partner", "contact", "salesperson", "deal", "currency", "warehouse", "approved_by"
            )
        )

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        order: SalesOrder = self.object  # type: ignore[assignment]
        context["edit_url"] = context["edit_url"] if order.state in services.EDITABLE else None
        context["lines"] = list(
            order.lines.select_related("product", "uom").prefetch_related("taxes").order_by("sequence", "id")
        )
        statuses = {s.line.pk: s for s in queries.line_statuses(order)}
        context["rows"] = [(line, statuses.get(line.pk)) for line in context["lines"]]
        context["taxes"] = queries.tax_totals(order)
        context["margin_percent"] = queries.margin_percent(order)
        context["progress"] = queries.progress(order) if order.state in queries.CONFIRMED_STATES else None
        context["deliveries"] = queries.deliveries(order)
        context["invoices"] = queries.order_invoices(order)
        context["expired"] = queries.expired(order)
        context["approval"] = services.approval_reasons(order) if order.state in services.EDITABLE else []
        context["pdf_url"] = reverse("sales:order_pdf", args=[order.pk])
        return context


class OrderCreateView(ObjectCreateView):
    model = SalesOrder
    form_class = SalesOrderForm
    form_template = "sales/_order_form.html"
    list_url_name = "sales:order_list"
    service = services.create_order
    title = gettext_lazy("New quotation")

    def get_initial(self) -> dict[str, Any]:
        initial: dict[str, Any] = {"order_date": timezone.localdate()}
        deal = self.request.GET.get("deal", "")
        if deal.isdigit():
            found = deals(self.request.user).filter(pk=int(deal)).first()
            if found is not None:
                initial.update(deal=found.pk, partner=found.partner_id, contact=found.contact_id)
        return initial


class OrderEditView(ObjectEditView):
    model = SalesOrder
    form_class = SalesOrderForm
    form_template = "sales/_order_form.html"
    service = services.update_order


class OrderPdfView(ModelView):
    model = SalesOrder

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = get_object_or_404(self.get_queryset().select_related("partner", "company", "currency"), pk=pk)
        response = HttpResponse(services.order_pdf(order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{services.pdf_name(order)}"'
        return response


# --- the customer card's panel ---------------------------------------------------------------------

PANEL_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True, accessor=str),
    Column("order_date", gettext_lazy("Date")),
    Column("state", gettext_lazy("State"), accessor=lambda o: o.get_state_display()),
    Column("amount_total", gettext_lazy("Total"), numeric=True),
    Column("currency", gettext_lazy("Currency"), accessor=lambda o: o.currency_id),
]
PANEL_ROWS = 10


def orders_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """The customer's latest quotations and orders the reader may see."""
    rows = list(
        SalesOrder.objects.visible_to(request.user)
        .filter(partner=partner)
        .order_by("-order_date", "-id")[:PANEL_ROWS]
    )
    if not rows:
        return None
    return Table(PANEL_COLUMNS, rows, caption=_("Quotations and orders"), key="sales-orders")
