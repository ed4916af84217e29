"""Purchasing pages: supplier prices, purchase requests (grouped into RFQs), purchase orders with
their actions (send, confirm, approve, refuse, receive, bill, cancel), the PDF, the receiving
form, the supplier-performance panel of the partner card, and the three-way match on the supplier
bill's page and in its API representation (a ``RecordPanel`` and ``RecordWarnings`` on
``accounting.invoice``: accounting imports nothing of purchasing).

Prices are shown only to whom holds ``purchasing.view_purchase_prices`` (purchasers,
accountants, managers); warehouse staff see what is ordered and expected, not what it costs —
on the pages, in the exports and in the API alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.core import registry
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.money import plain, trimmed
from tandem.inventory.models import Transfer
from tandem.partners.models import Partner
from tandem.purchasing import queries, services
from tandem.purchasing.filters import OrderFilter, RequestFilter, SupplierPriceFilter
from tandem.purchasing.forms import (
    ApprovalLevelForm,
    PurchaseOrderForm,
    PurchaseRequestForm,
    PurchaseSettingsForm,
    ReceiveForm,
    SupplierPriceForm,
)
from tandem.purchasing.models import (
    VIEW_PRICES,
    ApprovalLevel,
    PurchaseOrder,
    PurchaseRequest,
    PurchaseSettings,
    SupplierPrice,
)
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.forms import add_business_error
from tandem.web.generic import (
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table

S = PurchaseOrder.State
PRICE_COLUMNS = {"amount_total", "price_unit", "amount", "price"}

autocomplete.register(
    "purchasing.supplier",
    autocomplete.Source(
        rows=lambda request: Partner.objects.visible_to(request.user).filter(active=True, is_supplier=True),
        search=lambda rows, text: rows.filter(name__icontains=text),
        order=("name_key", "id"),
    ),
)
autocomplete.register(
    "purchasing.product",
    autocomplete.Source(
        rows=lambda request: Product.objects.visible_to(request.user).filter(active=True),
        search=lambda rows, text: rows.filter(Q(name__icontains=text) | Q(sku__icontains=text)),
        order=("name_key", "id"),
    ),
)


def sees_prices(user: Any) -> bool:
    return bool(user.has_perm(VIEW_PRICES))


# --- supplier prices ------------------------------------------------------------------------


class SupplierPriceListView(ObjectListView):
    model = SupplierPrice
    filterset_class = SupplierPriceFilter
    filter_fields = ["partner", "product", "active"]
    default_filters = {"active": "true"}
    columns = [
        Column("product", gettext_lazy("Product"), link=True),
        Column("partner", gettext_lazy("Supplier")),
        Column("supplier_sku", gettext_lazy("Supplier's code")),
        Column("min_quantity", gettext_lazy("Minimum quantity"), numeric=True),
        Column("price", gettext_lazy("Unit price"), numeric=True, sort="price"),
        Column("uom", gettext_lazy("Per"), accessor=lambda p: p.uom.code if p.uom else p.product.uom.code),
        Column("currency", gettext_lazy("Currency"), accessor=lambda p: p.currency_id),
        Column("lead_time_days", gettext_lazy("Lead time (days)"), numeric=True, sort="lead"),
        Column("valid_to", gettext_lazy("Valid to")),
    ]
    sorts = {
        "newest": SortKey("id", gettext_lazy("Newest"), descending=True),
        "price": SortKey("price", gettext_lazy("Unit price")),
        "lead": SortKey("lead_time_days", gettext_lazy("Lead time")),
    }
    default_sort = "newest"
    create_url_name = "purchasing:price_create"
    create_label = gettext_lazy("New supplier price")
    export_url_name = "purchasing:price_export"
    template_name = "imports/list_with_import.html"

    def decorate(self, rows: QuerySet[SupplierPrice]) -> QuerySet[SupplierPrice]:
        return rows.select_related("partner", "product__uom", "uom")


class SupplierPriceDetailView(ObjectDetailView):
    model = SupplierPrice
    edit_url_name = "purchasing:price_edit"
    list_url_name = "purchasing:price_list"
    fields = [
        "partner",
        "product",
        "supplier_sku",
        "price",
        "uom",
        "currency",
        "min_quantity",
        "lead_time_days",
        "valid_from",
        "valid_to",
        "active",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self) -> QuerySet[SupplierPrice]:
        return super().get_queryset().select_related("partner", "product", "currency", "uom")


class SupplierPriceCreateView(ObjectCreateView):
    model = SupplierPrice
    form_class = SupplierPriceForm
    title = gettext_lazy("New supplier price")
    service = services.create_supplier_price
    list_url_name = "purchasing:price_list"


class SupplierPriceEditView(ObjectEditView):
    model = SupplierPrice
    form_class = SupplierPriceForm
    service = services.update_supplier_price


# --- purchase requests ----------------------------------------------------------------------


class RequestActions(ActionView):
    model = PurchaseRequest
    url_name = "purchasing:request_{name}"
    actions = [
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, row: services.cancel_request(row, request.user),
            done=gettext_lazy("The request was cancelled."),
            confirm=gettext_lazy("Cancel this purchase request?"),
            available=lambda row, user: row.state == PurchaseRequest.State.OPEN,
            style="outline-danger",
        ),
    ]


class RequestListView(ObjectListView):
    model = PurchaseRequest
    filterset_class = RequestFilter
    filter_fields = ["state", "product", "partner"]
    default_filters = {"state": "open"}
    columns = [
        Column("product", gettext_lazy("Product"), link=True),
        Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=trimmed),
        Column("uom", gettext_lazy("Unit")),
        Column("needed_by", gettext_lazy("Needed by"), sort="needed"),
        Column("partner", gettext_lazy("Supplier")),
        Column("origin", gettext_lazy("Source")),
        Column("state", gettext_lazy("State")),
        Column("created_at", gettext_lazy("Created"), sort="created"),
    ]
    sorts = {
        "created": SortKey("created_at", gettext_lazy("Created"), descending=True),
        "needed": SortKey("needed_by", gettext_lazy("Needed by")),
    }
    default_sort = "created"
    create_url_name = "purchasing:request_create"
    create_label = gettext_lazy("New purchase request")
    export_url_name = "purchasing:request_export"
    template_name = "purchasing/request_list.html"

    def decorate(self, rows: QuerySet[PurchaseRequest]) -> QuerySet[PurchaseRequest]:
        return rows.select_related("product", "uom", "partner")


class RequestDetailView(ObjectDetailView):
    model = PurchaseRequest
    action_view = RequestActions
    list_url_name = "purchasing:request_list"
    fields = [
        "product",
        "quantity",
        "uom",
        "needed_by",
        "order_by",
        "partner",
        "origin",
        (gettext_lazy("Bought for"), lambda r: r.demand_move.transfer if r.demand_move_id else None),
        "state",
        (gettext_lazy("RFQ"), lambda r: r.order_line.order if r.order_line_id else None),
        "created_at",
    ]

    def get_queryset(self) -> QuerySet[PurchaseRequest]:
        return (
            super()
            .get_queryset()
            .select_related("product", "uom", "partner", "order_line__order", "demand_move__transfer")
        )


class RequestCreateView(ObjectCreateView):
    model = PurchaseRequest
    form_class = PurchaseRequestForm
    title = gettext_lazy("New purchase request")
    service = services.create_request
    list_url_name = "purchasing:request_list"

    def service_data(self, form: forms.BaseForm) -> dict[str, Any]:
        data = super().service_data(form)
        if data.get("uom") is None:
            data.pop("uom", None)
        return data


class CreateRfqsView(ModelView):
    """POST: the open requests the user sees, grouped into one RFQ per supplier."""

    model = PurchaseOrder
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is None:
            raise PermissionDenied
        rows = PurchaseRequest.objects.visible_to(request.user).filter(state=PurchaseRequest.State.OPEN)
        try:
            with transaction.atomic():
                result = services.create_rfqs(company, request.user, list(rows))  # type: ignore[arg-type]
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect("purchasing:request_list")
        messages.success(request, _("%(count)d RFQs created or completed.") % {"count": len(result.orders)})
        if result.without_supplier:
            messages.warning(
                request,
                _("%(count)d requests have no supplier price and stay open: add a supplier price first.")
                % {"count": len(result.without_supplier)},
            )
        return redirect(f"{reverse('purchasing:order_list')}?state=draft")


# --- purchase orders -------------------------------------------------------------------------


def _may_approve(order: PurchaseOrder, user: Any) -> bool:
    if order.state != S.TO_APPROVE or user.pk in {order.created_by_id, order.submitted_by_id}:
        return False
    level = queries.next_level(order)
    return level is not None and (level.approver_id == user.pk or user.is_superuser)


class OrderActions(ActionView):
    model = PurchaseOrder
    url_name = "purchasing:order_{name}"
    actions = [
        Action(
            "send",
            gettext_lazy("Send by e-mail"),
            lambda request, po: services.send_order(po, request.user),
            done=gettext_lazy("The order is on its way to the supplier, with its PDF."),
            available=lambda po, user: po.state not in {S.CANCELLED},
        ),
        Action(
            "confirm",
            gettext_lazy("Confirm order"),
            lambda request, po: services.confirm_order(po, request.user),
            done=lambda po: str(
                _("Sent for approval.")
                if po.state == S.TO_APPROVE
                else _("Confirmed: the receipt is expected.")
            ),
            available=lambda po, user: po.state in services.EDITABLE,
            style="primary",
        ),
        Action(
            "approve",
            gettext_lazy("Approve"),
            lambda request, po: services.approve_order(po, request.user),
            done=gettext_lazy("Approved."),
            permission="purchasing.view_purchaseorder",  # the chain names who; the service checks
            available=_may_approve,
            style="primary",
        ),
        Action(
            "reject",
            gettext_lazy("Refuse"),
            lambda request, po: services.reject_order(
                po, request.user, reason=request.POST.get("reason", "")
            ),
            done=gettext_lazy("Sent back to the purchaser as a draft."),
            permission="purchasing.view_purchaseorder",
            confirm=gettext_lazy("Send this order back to its purchaser?"),
            available=_may_approve,
            style="outline-danger",
        ),
        Action(
            "bill",
            gettext_lazy("Create bill"),
            lambda request, po: _bill(request, po),
            done=gettext_lazy("A draft supplier bill was created."),
            permission="accounting.add_invoice",
            available=lambda po, user: po.state in {S.CONFIRMED, S.RECEIVED},
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, po: services.cancel_order(po, request.user),
            done=gettext_lazy("The order was cancelled."),
            confirm=gettext_lazy("Cancel this order? This cannot be undone."),
            available=lambda po, user: po.state in {S.DRAFT, S.SENT, S.TO_APPROVE, S.CONFIRMED},
            style="outline-danger",
        ),
    ]


def _bill(request: HttpRequest, order: PurchaseOrder) -> Any:
    result = services.bill_order(order, request.user)  # type: ignore[arg-type]
    for warning in result.warnings:
        messages.warning(request, warning)
    return result.invoice


ORDER_COLUMNS = [
    Column("number", gettext_lazy("Number"), link=True, accessor=str),
    Column("partner", gettext_lazy("Supplier")),
    Column("supplier_reference", gettext_lazy("Supplier's reference")),
    Column("order_date", gettext_lazy("Order date"), sort="date"),
    Column("expected_date", gettext_lazy("Expected"), sort="expected"),
    Column("state", gettext_lazy("State")),
    Column("amount_total", gettext_lazy("Total"), numeric=True),
    Column("currency", gettext_lazy("Currency"), accessor=lambda o: o.currency_id),
]


def _order_columns(user: Any) -> list[Column]:
    return [c for c in ORDER_COLUMNS if c.name not in PRICE_COLUMNS or sees_prices(user)]


class OrderListView(ObjectListView):
    model = PurchaseOrder
    title = gettext_lazy("Purchase orders")
    filterset_class = OrderFilter
    filter_fields = ["state", "partner"]
    columns = ORDER_COLUMNS
    sorts = {
        "date": SortKey("order_date", gettext_lazy("Order date"), descending=True),
        "expected": SortKey("expected_date", gettext_lazy("Expected")),
    }
    default_sort = "date"
    create_url_name = "purchasing:order_create"
    create_label = gettext_lazy("New RFQ")
    export_url_name = "purchasing:order_export"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            self.columns = _order_columns(request.user)
        return super().dispatch(request, *args, **kwargs)

    def decorate(self, rows: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
        return rows.select_related("partner")


@dataclass(frozen=True)
class BoughtFor:
    """What an RFQ line is bought for, as its row shows it: ``demands`` (the transfer's page, its
    number, the quantity in the product's unit) and the day to order by."""

    demands: list[tuple[str, str, str]]
    order_by: datetime.date | None


def bought_for_lines(rows: list[dict[str, Any]]) -> dict[int, BoughtFor]:
    """Per order line, what an app above purchasing says it is bought for (the ``bought_for`` data
    of the order, ``core.registry.RecordData``: planning's pegs); demands on no transfer yet (a
    planned order not released) are left out of the row."""
    return {
        row["line"]: BoughtFor(
            [
                (
                    reverse("inventory:transfer_detail", args=[demand["transfer"]]),
                    demand["transfer_number"],
                    plain(Decimal(demand["quantity"])),
                )
                for demand in row["demands"]
                if demand["transfer"] is not None
            ],
            datetime.date.fromisoformat(row["order_by"]) if row["order_by"] else None,
        )
        for row in rows
    }


class OrderDetailView(ObjectDetailView):
    model = PurchaseOrder
    template_name = "purchasing/order_detail.html"
    action_view = OrderActions
    edit_url_name = "purchasing:order_edit"
    list_url_name = "purchasing:order_list"

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        return super().get_queryset().select_related("partner", "currency", "created_by", "company__currency")

    @property
    def fields(self) -> list[Any]:  # type: ignore[override]
        shown = [
            "partner",
            "warehouse",
            "state",
            "order_date",
            "expected_date",
            "supplier_reference",
            (gettext_lazy("Purchaser"), lambda o: o.created_by),
            "sent_at",
            "confirmed_at",
            "notes",
        ]
        if sees_prices(self.request.user):
            shown[2:2] = ["amount_total", "currency", "amount_company"]
        return shown

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        order: PurchaseOrder = self.object  # type: ignore[assignment]
        context["edit_url"] = context["edit_url"] if order.state in services.EDITABLE else None
        context["statuses"] = queries.line_statuses(order)
        context["warnings"] = queries.mismatches(context["statuses"])
        bought_for = bought_for_lines(registry.data_for(order, self.request.user, "bought_for") or [])
        context["rows"] = [(status, bought_for.get(status.line.pk)) for status in context["statuses"]]
        context["prices"] = sees_prices(self.request.user)
        context["approvals"] = list(order.approvals.select_related("level", "approver"))
        context["next_level"] = queries.next_level(order) if order.state == S.TO_APPROVE else None
        context["pdf_url"] = reverse("purchasing:order_pdf", args=[order.pk])
        context["receive_url"] = (
            reverse("purchasing:order_receive", args=[order.pk])
            if order.state == S.CONFIRMED and self.request.user.has_perm("purchasing.change_purchaseorder")
            else None
        )
        context["bills"] = list(order.bills.select_related("invoice"))
        context["receipts"] = (
            list(
                Transfer.objects.filter(pk__in=queries.chain_ids([order.receipt_id]))
                .select_related("backorder_of")
                .order_by("id")
            )
            if order.receipt_id
            else []
        )
        return context


class OrderCreateView(ObjectCreateView):
    model = PurchaseOrder
    form_class = PurchaseOrderForm
    form_template = "purchasing/_order_form.html"
    list_url_name = "purchasing:order_list"
    service = services.create_order
    title = gettext_lazy("New request for quotation")

    def get_initial(self) -> dict[str, Any]:
        return {"order_date": timezone.localdate()}


class OrderEditView(ObjectEditView):
    model = PurchaseOrder
    form_class = PurchaseOrderForm
    form_template = "purchasing/_order_form.html"
    service = services.update_order


class OrderPdfView(ModelView):
    model = PurchaseOrder

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not sees_prices(request.user):
            raise PermissionDenied
        order = get_object_or_404(self.get_queryset().select_related("partner", "company", "currency"), pk=pk)
        response = HttpResponse(services.order_pdf(order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{services.pdf_name(order)}"'
        return response


class ReceiveView(ModelView):
    """The quantities that arrived, per line; a partial receipt leaves a backorder."""

    model = PurchaseOrder
    action = "change"
    template_name = "purchasing/receive.html"

    def order(self, pk: int) -> PurchaseOrder:
        return get_object_or_404(self.get_queryset().select_related("partner"), pk=pk)  # type: ignore[no-any-return]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.order(pk)
        form = ReceiveForm(statuses=[s for s in queries.line_statuses(order) if s.to_receive > 0])
        return self.page(order, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        order = self.order(pk)
        form = ReceiveForm(
            request.POST, statuses=[s for s in queries.line_statuses(order) if s.to_receive > 0]
        )
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.receive_order(order, request.user, quantities=form.quantities())  # type: ignore[arg-type]
            except ValidationFailed as exc:
                for key, texts in exc.errors.items():
                    name = f"line_{key.removeprefix('lines.')}"
                    form.add_error(name if name in form.fields else None, texts)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Received."))
                return redirect(order.get_absolute_url())
        return self.page(order, form, status=400)

    def page(self, order: PurchaseOrder, form: ReceiveForm, status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(),
            "title": _("Receive %(order)s") % {"order": order},
            "object": order,
            "form": form,
        }
        return render(self.request, self.template_name, context, status=status)


# --- the partner card's panel -----------------------------------------------------------------


PERFORMANCE_COLUMNS = [
    Column("open_orders", gettext_lazy("Open orders"), numeric=True),
    Column("open_amount", gettext_lazy("Open amount"), numeric=True),
    Column("currency", gettext_lazy("Currency")),
    Column("on_time", gettext_lazy("On time"), numeric=True),
    Column("variance", gettext_lazy("Price variance"), numeric=True),
    Column("orders", gettext_lazy("Orders"), numeric=True),
]


class _PerformanceRow:
    def __init__(self, found: queries.Performance) -> None:
        self.open_orders = found.open_orders
        self.open_amount = found.open_amount
        self.currency = found.currency
        self.on_time = f"{found.on_time_rate} %" if found.on_time_rate is not None else "—"
        self.variance = f"{found.price_variance:+} %" if found.price_variance is not None else "—"
        self.orders = found.orders


def performance_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """On-time rate, price variance and open orders of a supplier, to purchasers."""
    if not partner.is_supplier or not sees_prices(request.user):
        return None
    found = queries.performance(partner, PurchaseOrder.objects.visible_to(request.user))
    if not found.orders:
        return None
    return Table(
        PERFORMANCE_COLUMNS,
        [_PerformanceRow(found)],
        caption=gettext_lazy("As a supplier"),
        key="supplier-performance",
    )


# --- the three-way match on the supplier bill (accounting's invoice page and API) -------------


def _bill_match(invoice: Any, user: Any) -> queries.BillMatch | None:
    return queries.bill_match(invoice, PurchaseOrder.objects.visible_to(user), prices=sees_prices(user))


def bill_warnings(invoice: Any, user: Any) -> list[str]:
    """The three-way match's warnings on a bill made from an order the reader sees."""
    found = _bill_match(invoice, user)
    return found.warnings if found is not None else []


def bill_match_panel(invoice: Any, request: HttpRequest) -> str | None:
    """The order a bill was made from, with ordered, received and billed per line of the
    products it bills (the accountant approving the bill sees what the purchaser sees)."""
    found = _bill_match(invoice, request.user)
    if found is None:
        return None
    return render_to_string(
        "purchasing/_bill_match.html",
        {"match": found, "prices": sees_prices(request.user)},
        request=request,
    )


# --- settings: the over-receipt tolerance and the approval chain ----------------------------

LEVEL_COLUMNS = [
    Column("name", gettext_lazy("Level"), link=True, sort="name"),
    Column("min_amount", gettext_lazy("From amount"), numeric=True, sort="amount"),
    Column("approver", gettext_lazy("Approver")),
]


class ApprovalLevelActions(ActionView):
    model = ApprovalLevel
    url_name = "purchasing:level_{name}"
    actions = [
        Action(
            "remove",
            gettext_lazy("Remove"),
            lambda request, level: services.remove_approval_level(level, request.user),
            done=gettext_lazy("The level was taken out of the chain."),
            confirm=gettext_lazy("Take this level out of the approval chain?"),
            permission="purchasing.delete_approvallevel",
            style="outline-danger",
            next_url=lambda level: reverse("purchasing:level_list"),
        ),
    ]


class ApprovalLevelListView(ObjectListView):
    model = ApprovalLevel
    columns = LEVEL_COLUMNS
    sorts = {
        "amount": SortKey("min_amount", gettext_lazy("From amount")),
        "name": SortKey("name", gettext_lazy("Level")),
    }
    default_sort = "amount"
    create_url_name = "purchasing:level_create"
    create_label = gettext_lazy("New approval level")
    export_url_name = "purchasing:level_export"

    def decorate(self, rows: QuerySet[ApprovalLevel]) -> QuerySet[ApprovalLevel]:
        return rows.select_related("approver")


class ApprovalLevelDetailView(ObjectDetailView):
    model = ApprovalLevel
    action_view = ApprovalLevelActions
    edit_url_name = "purchasing:level_edit"
    list_url_name = "purchasing:level_list"
    fields = ["name", "min_amount", "approver"]

    def get_queryset(self) -> QuerySet[ApprovalLevel]:
        return super().get_queryset().select_related("approver")


class ApprovalLevelCreateView(ObjectCreateView):
    model = ApprovalLevel
    form_class = ApprovalLevelForm
    title = gettext_lazy("New approval level")
    service = services.create_approval_level
    list_url_name = "purchasing:level_list"


class ApprovalLevelEditView(ObjectEditView):
    model = ApprovalLevel
    form_class = ApprovalLevelForm
    service = services.update_approval_level


class PurchaseSettingsView(ModelView):
    """Settings → Purchasing: the over-receipt tolerance, and the approval chain (its levels are
    their own records: :class:`ApprovalLevelListView`)."""

    model = PurchaseSettings
    action = "change"
    template_name = "purchasing/settings.html"

    def _page(self, request: HttpRequest, form: PurchaseSettingsForm, status: int = 200) -> HttpResponse:
        company = request.company  # type: ignore[attr-defined]
        levels = ApprovalLevel.objects.filter(company=company).select_related("approver")
        table = Table(
            LEVEL_COLUMNS, levels.order_by("min_amount", "id")[:50], caption=_("Approval chain"), key="levels"
        )
        context = {
            **self.base_context(),
            "title": _("Purchasing settings"),
            "form": form,
            "levels": table,
            "levels_url": reverse("purchasing:level_list"),
            "new_level_url": reverse("purchasing:level_create") if self.can("add", ApprovalLevel) else None,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        row = queries.settings_of(request.company)  # type: ignore[attr-defined]
        return self._page(request, PurchaseSettingsForm(instance=row, request=request))

    def post(self, request: HttpRequest) -> HttpResponseBase:
        form = PurchaseSettingsForm(request.POST, instance=PurchaseSettings(), request=request)
        if form.is_valid():
            try:
                services.update_settings(request.company, request.user, **form.service_data())  # type: ignore[attr-defined, arg-type]
            except BusinessError as error:
                add_business_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("purchasing:settings")
        return self._page(request, form, status=400)
