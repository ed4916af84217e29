"""Sales pages: quotations and orders (list, detail with lines, totals per tax, margin and what
was delivered, invoiced and paid; the form with its lines), their actions (send, confirm,
invoice, cancel), the PDF, and the customer card's panel of orders."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tandem.accounting.views.reports import bar_chart
from tandem.catalog.models import Product
from tandem.core import throttle
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company
from tandem.core.querysets import allowed_company
from tandem.crm.models import Deal
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.filters import OrderFilter
from tandem.sales.forms import (
    AnalysisForm,
    CreditLimitForm,
    SalesOrderForm,
    SalesSettingsForm,
    customers,
    deals,
)
from tandem.sales.models import (
    ANALYSIS,
    AcceptanceLink,
    CreditLimit,
    QuotationResponse,
    SalesOrder,
    SalesSettings,
)
from tandem.sales.queries import also_bought, profit, promise
from tandem.web import autocomplete
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column, as_text
from tandem.web.exports import xlsx_table_response
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
            "credit",
            gettext_lazy("Credit returned or cancelled goods"),
            lambda request, so: services.credit_returned(so, request.user),
            done=gettext_lazy("A draft credit note for the returned or cancelled goods was created."),
            permission="accounting.add_invoice",
            available=lambda so, user: services.has_goods_to_credit(so),  # see OrderActions.may
        ),
        Action(
            "down_payment",
            gettext_lazy("Invoice a down payment"),
            lambda request, so: services.invoice_down_payment(
                so,
                request.user,
                **{
                    "percent" if request.POST.get("kind") == "percent" else "amount": request.POST.get(
                        "value"
                    )
                },
            ),
            done=gettext_lazy("A draft invoice of the down payment was created."),
            permission="accounting.add_invoice",
            available=lambda so, user: False,  # the form on the order's page posts here, not a button
            route="down-payment",
        ),
        Action(
            "give_back",
            gettext_lazy("Give back the down payments left"),
            lambda request, so: services.credit_down_payments_left(so, request.user),
            done=gettext_lazy("A draft credit note of the down payments not deducted was created."),
            permission="accounting.add_invoice",
            available=lambda so, user: services.down_payments_to_give_back(so),  # see OrderActions.may
            route="give-back",
        ),
        Action(
            "revoke_link",
            gettext_lazy("Revoke the customer's link"),
            lambda request, so: services.revoke_links(so, request.user),
            done=gettext_lazy("The customer's link no longer opens the quotation."),
            confirm=gettext_lazy("Revoke the link sent to the customer? It stops working at once."),
            available=lambda so, user: so.state == S.SENT,
            route="revoke-link",
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
    statuses: list[queries.LineStatus] | None = None  # the order page's line statuses, read once
    left: services.Left | None = None  # and its down payments not deducted yet

    def may(self, action: Action, obj: Model) -> bool:
        order: SalesOrder = obj  # type: ignore[assignment]
        if action.name == "credit" and self.statuses is not None:
            return self.permitted(action) and services.has_goods_to_credit(order, self.statuses)
        if action.name == "give_back" and self.statuses is not None and self.left is not None:
            return self.permitted(action) and services.down_payments_to_give_back(
                order, self.statuses, self.left
            )
        return super().may(action, obj)


ORDER_COLUMNS = [
    Column(
        "select",
        gettext_lazy("Select"),
        accessor=lambda o: o.pk,
        export=False,
        template="sales/_order_select.html",
    ),
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
    template_name = "sales/order_list.html"  # the list with "Invoice the selected orders"
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
    statuses: list[queries.LineStatus] | None = None
    left: services.Left | None = None
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

    def action_buttons(self, obj: Model) -> list[Any]:
        return OrderActions(statuses=self.statuses, left=self.left).buttons(self.request, obj)

    def get_context(self) -> dict[str, Any]:
        order: SalesOrder = self.object  # type: ignore[assignment]
        # Read once: the rows, the progress, the promise and the credit button all need them.
        self.statuses = queries.line_statuses(order)
        self.left = services.down_payments_left(order) if order.state in queries.CONFIRMED_STATES else None
        context = super().get_context()
        context["edit_url"] = context["edit_url"] if order.state in services.EDITABLE else None
        context["lines"] = list(
            order.lines.select_related("product", "uom").prefetch_related("taxes").order_by("sequence", "id")
        )
        statuses = {s.line.pk: s for s in self.statuses}
        context["rows"] = [(line, statuses.get(line.pk)) for line in context["lines"]]
        context["taxes"] = queries.tax_totals(order)
        context["margin_percent"] = queries.margin_percent(order)
        context["progress"] = (
            queries.progress(order, self.statuses) if order.state in queries.CONFIRMED_STATES else None
        )
        company = allowed_company(self.request.user)
        context["profit"] = (
            profit.total(profit.Scope(company, order=order.pk))
            if company is not None
            and order.state in queries.CONFIRMED_STATES
            and self.request.user.has_perm(ANALYSIS)
            else None
        )
        context["company_currency"] = company.currency_id if company is not None else ""
        context["deliveries"] = queries.deliveries(order)
        context["made_to_order"] = queries.made_to_order(context["deliveries"])
        context["may_see_production"] = self.request.user.has_perm("manufacturing.view_manufacturingorder")
        context["invoices"] = queries.order_invoices(order)
        context["down_payment_url"] = (
            reverse("sales:order_down_payment", args=[order.pk])
            if order.state == S.CONFIRMED and self.request.user.has_perm("accounting.add_invoice")
            else ""
        )
        context["down_payment_left"] = self.left.untaxed if self.left is not None else None
        context["expired"] = queries.expired(order)
        exposure = queries.exposure(order) if order.state in services.EDITABLE else None
        context["exposure"] = exposure
        context["approval"] = services.approval_reasons(order, exposure=exposure) if exposure else []
        context["pdf_url"] = reverse("sales:order_pdf", args=[order.pk])
        found = (
            promise.order_promise(order, statuses=self.statuses) if order.state in PROMISED_STATES else None
        )
        context["promise"] = found
        context["late"] = found is not None and promise.late(order, found)
        by_line = {line.key: line for line in found.lines} if found is not None else {}
        context["rows"] = [(line, status, by_line.get(line.pk)) for line, status in context["rows"]]
        context["sources"] = SOURCE_LABELS
        context["responses"] = [
            (response, _png_url(bytes(response.signature))) for response in order.responses.order_by("-id")
        ]
        link = (
            order.links.filter(revoked_at__isnull=True).order_by("-id").first()
            if order.state == S.SENT
            else None
        )
        context["customer_link"] = link
        context["customer_url"] = services.link_url(link) if link is not None else ""
        return context


class OrdersInvoiceView(ModelView):
    """The orders list's bulk action: one invoice for the selected orders of one customer."""

    model = SalesOrder

    def post(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("accounting.add_invoice"):
            raise PermissionDenied
        ids = {int(value) for value in request.POST.getlist("ids") if value.isdigit()}
        orders = list(self.get_queryset().filter(pk__in=ids))
        try:
            if len(orders) != len(ids):
                raise BusinessError(_("Some of the chosen orders were not found."))
            invoice = services.invoice_orders(orders, request.user)  # type: ignore[arg-type]
        except ValidationFailed as exc:
            messages.error(request, " ".join(str(text) for texts in exc.errors.values() for text in texts))
            return redirect("sales:order_list")
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect("sales:order_list")
        messages.success(
            request, _("A draft invoice of %(count)s orders was created.") % {"count": len(orders)}
        )
        return redirect(invoice.get_absolute_url())


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


PROMISED_STATES = {S.DRAFT, S.SENT, S.CONFIRMED}
SOURCE_LABELS = {
    promise.Source.STOCK: gettext_lazy("in stock"),
    promise.Source.PRODUCTION: gettext_lazy("to be made"),
    promise.Source.INCOMING: gettext_lazy("with an expected receipt"),
    promise.Source.PURCHASE: gettext_lazy("to be bought (supplier's lead time)"),
    promise.Source.NONE: gettext_lazy("no supplier: cannot be promised"),
    promise.Source.NOT_STOCKED: gettext_lazy("not stocked"),
    promise.Source.DELIVERED: gettext_lazy("delivered"),
}


def _png_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii") if data else ""


class OrderPromiseView(ModelView):
    """The delivery promise of the quotation form as the salesperson types (htmx POSTs the
    form here): each line's earliest ship date and the order's. Reads only."""

    model = SalesOrder
    action = "add"
    template_name = "sales/_promise.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        company = getattr(request, "company", None)
        form = SalesOrderForm(request.POST, request=request)
        needs = []
        for n, line in enumerate(form.lines):
            data = line.cleaned_data if line.is_valid() else {}
            product, quantity = data.get("product"), data.get("quantity")
            if product is None or quantity is None or quantity <= 0 or data.get("optional"):
                continue
            needs.append(promise.Need(n, product, quantity))
        warehouse = None
        found = None
        if company is not None and needs:
            chosen = request.POST.get("warehouse", "")
            if chosen.isdigit():
                warehouse = (
                    Warehouse.objects.visible_to(request.user).filter(pk=int(chosen), active=True).first()
                )
            warehouse = warehouse or promise.shipping_warehouse(company)
            found = promise.promise_for(company, warehouse, needs)
        context = {"promise": found, "sources": SOURCE_LABELS, "warehouse": warehouse}
        return render(request, self.template_name, context)


# --- the customer's page: the quotation opened by its link, without an account ------------------------


def _throttled(request: HttpRequest) -> bool:
    limit = throttle.parse_limit(getattr(settings, "TANDEM_CUSTOMER_LINK_LIMIT", None), "60/600")
    return not throttle.allow("sales:customer-link", throttle.client_address(request), limit)


def _private(response: HttpResponse) -> HttpResponse:
    """The customer's pages carry a secret in their address: never cached, never referred to
    another site. Not ``no-referrer``: with it Chromium sends ``Origin: null`` on the page's own
    form, which Django's CSRF check refuses — the customer could not accept."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _refusal(request: HttpRequest, message: str, status: int, company_name: str = "") -> HttpResponse:
    context = {"message": message, "company_name": company_name or "Tandem"}
    return _private(render(request, "sales/customer/refused.html", context, status=status))


def _opened(request: HttpRequest, token: str) -> tuple[AcceptanceLink | None, HttpResponse | None]:
    if _throttled(request):
        return None, _refusal(request, _("Too many requests from this address: try again later."), 429)
    try:
        return services.read_link(token), None
    except services.BusinessError as refused:
        return None, _refusal(request, refused.message, refused.status)


@require_http_methods(["GET", "HEAD", "POST"])
def customer_quotation(request: HttpRequest, token: str) -> HttpResponse:
    """The quotation a customer's link opens: read it, download its PDF, accept it (typed name,
    drawn signature) or decline it (a reason). An invalid, expired or revoked link gets a page
    saying so, and nothing is written."""
    link, refusal = _opened(request, token)
    if link is None:
        assert refusal is not None
        return refusal
    order = link.order
    with translation.override(order.partner.language or order.company.language):
        errors: dict[str, list[str]] = {}
        status = 200
        if request.method == "POST":
            answer = request.POST.get("answer", "")
            given = {
                "ip": throttle.client_address(request),
                "version": request.POST.get("version"),
            }
            try:
                if answer == "accept":
                    services.accept_quotation(
                        token,
                        name=request.POST.get("name", ""),
                        signature=request.POST.get("signature", ""),
                        **given,
                    )
                elif answer == "decline":
                    services.decline_quotation(
                        token,
                        reason=request.POST.get("reason", ""),
                        name=request.POST.get("name", ""),
                        **given,
                    )
                else:
                    raise services.ValidationFailed({"answer": [_("Accept or decline the quotation.")]})
            except services.ValidationFailed as invalid:
                errors, status = invalid.errors, 400
            except services.BusinessError as refused:
                return _refusal(request, refused.message, refused.status, order.company.name)
            else:
                return redirect("sales:customer_quotation", token=token)
        answers = {response.answer: response for response in order.responses.filter(link=link)}
        context = {
            "company_name": order.company.name,
            "title": services.document_title(order),
            "order": order,
            "lines": list(order.lines.select_related("uom").order_by("sequence", "id")),
            "taxes": queries.tax_totals(order),
            "pdf_url": reverse("sales:customer_quotation_pdf", args=[token]),
            "accepted": answers.get(QuotationResponse.Answer.ACCEPTED),
            "declined": answers.get(QuotationResponse.Answer.DECLINED),
            "confirmed": order.state in queries.CONFIRMED_STATES,
            "open": order.state == S.SENT
            and not answers
            and not order.responses.filter(answer=QuotationResponse.Answer.ACCEPTED).exists(),
            "errors": errors,
            "typed_name": request.POST.get("name", "")[:120] if errors else "",
            "typed_reason": request.POST.get("reason", "")[:2000] if errors else "",
        }
        return _private(render(request, "sales/customer/quotation.html", context, status=status))


@require_http_methods(["GET", "HEAD"])
def customer_quotation_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The quotation's PDF, in the customer's language."""
    link, refusal = _opened(request, token)
    if link is None:
        assert refusal is not None
        return refusal
    response = HttpResponse(services.order_pdf(link.order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{services.pdf_name(link.order)}"'
    return _private(response)


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


# --- the customer's order e-mails: a panel on the card and the page that chooses them ------------------

MAIL_COLUMNS = [
    Column("confirmation", gettext_lazy("Order confirmations"), accessor=lambda row: _yes(row.confirmation)),
    Column(
        "shipment", gettext_lazy("Shipments, with the delivery note"), accessor=lambda row: _yes(row.shipment)
    ),
    Column("invoice", gettext_lazy("Invoices"), accessor=lambda row: _yes(row.invoice)),
]


def _yes(value: bool) -> str:
    return str(_("yes") if value else _("no"))


def mails_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """Which e-mails about their orders this customer (or person) chose, and a way to change it."""
    if not request.user.has_perm("sales.change_salesorder"):
        return None
    chosen = queries.mail_preference(partner)
    return Table(
        MAIL_COLUMNS,
        [chosen] if chosen is not None else [],
        caption=_("Order e-mails"),
        empty=_("None chosen: no e-mails about orders are sent."),
        key="sales-mails",
        actions=[(reverse("sales:mail_preference", args=[partner.pk]), _("Choose"))],
    )


class MailPreferenceForm(forms.Form):
    confirmation = forms.BooleanField(label=gettext_lazy("Order confirmations"), required=False)
    shipment = forms.BooleanField(label=gettext_lazy("Shipments, with the delivery note"), required=False)
    invoice = forms.BooleanField(label=gettext_lazy("Invoices"), required=False)


class MailPreferenceView(ModelView):
    """The e-mails a customer (or one of its people) gets about orders: confirmation, each
    shipment with its delivery note, each invoice. Chosen by whoever sells to them."""

    model = SalesOrder
    action = "change"
    template_name = "sales/mail_preference.html"

    def partner(self, pk: int) -> Partner:
        return get_object_or_404(Partner.objects.visible_to(self.request.user), pk=pk)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        partner = self.partner(pk)
        chosen = queries.mail_preference(partner)
        initial = (
            {"confirmation": True, "shipment": True, "invoice": True}
            if chosen is None
            else {"confirmation": chosen.confirmation, "shipment": chosen.shipment, "invoice": chosen.invoice}
        )
        return self.show(partner, MailPreferenceForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        partner = self.partner(pk)
        form = MailPreferenceForm(request.POST)
        if not form.is_valid():
            return self.show(partner, form, status=400)
        services.set_mail_preference(
            partner.company,
            request.user,  # type: ignore[arg-type]
            partner=partner,
            **form.cleaned_data,
        )
        messages.success(request, _("The order e-mails were saved."))
        return redirect(partner.get_absolute_url())

    def show(self, partner: Partner, form: forms.Form, status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(),
            "title": _("Order e-mails of %(partner)s") % {"partner": partner},
            "partner": partner,
            "form": form,
        }
        return render(self.request, self.template_name, context, status=status)


# --- the company's sales settings and its customers' credit limits ------------------------------------


class CompanySalesSettingsMixin:
    """The page's record is the company's one sales settings row (made, with the defaults, on
    first use, as the books' settings are)."""

    request: HttpRequest

    def get_object(self) -> SalesSettings:
        company = getattr(self.request, "company", None)
        if company is None:
            raise Http404
        row, _created = SalesSettings.objects.get_or_create(company=company)
        return row


SETTINGS_FIELDS = [
    "discount_limit",
    "manager_discount_limit",
    "invoice_policy",
    "validity_days",
    "link_days",
    "acceptance_confirms",
]


class SalesSettingsView(CompanySalesSettingsMixin, ObjectDetailView):
    """Settings → Sales: the discount limit, the default invoice policy, how long quotations and
    their customer links last, and whether an online acceptance confirms the order. Sales
    managers and administrators change them; every change is on the page's history."""

    model = SalesSettings
    fields = SETTINGS_FIELDS

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        context["title"] = _("Sales settings")
        if self.can("change"):
            context["edit_url"] = reverse("sales:settings_edit")
        return context


def _update_settings(
    row: SalesSettings, actor: Any, *, expected_version: int | None = None, **fields: Any
) -> Model:
    return services.update_settings(row.company, actor, **fields)


class SalesSettingsEditView(CompanySalesSettingsMixin, ObjectEditView):
    model = SalesSettings
    form_class = SalesSettingsForm
    title = gettext_lazy("Edit the sales settings")
    service = _update_settings

    def success_url(self, result: Model) -> str:
        return reverse("sales:settings")

    def cancel_url(self) -> str:
        return reverse("sales:settings")


CREDIT_COLUMNS = [
    Column("partner", gettext_lazy("Customer"), link=True, sort="customer"),
    Column("amount", gettext_lazy("Credit limit"), numeric=True, sort="amount"),
]


class CreditLimitListView(ObjectListView):
    model = CreditLimit
    title = gettext_lazy("Credit limits")
    columns = CREDIT_COLUMNS
    sorts = {
        "customer": SortKey("partner__name_key", gettext_lazy("Customer")),
        "amount": SortKey("amount", gettext_lazy("Credit limit"), descending=True),
    }
    default_sort = "customer"
    create_url_name = "sales:credit_limit_create"
    create_label = gettext_lazy("New credit limit")
    export_url_name = "sales:credit_limit_export"

    def decorate(self, rows: QuerySet[CreditLimit]) -> QuerySet[CreditLimit]:
        return rows.select_related("partner")


class CreditLimitDetailView(ObjectDetailView):
    """A customer's credit limit and what it stands against: the open balance in accounting."""

    model = CreditLimit
    edit_url_name = "sales:credit_limit_edit"
    list_url_name = "sales:credit_limit_list"
    fields = [
        "partner",
        "amount",
        (gettext_lazy("Open balance"), lambda row: queries.open_balance_of(row.partner)),
    ]

    def get_queryset(self) -> QuerySet[CreditLimit]:
        return super().get_queryset().select_related("partner")


def _set_credit_limit(company: Any, actor: Any, *, partner: Any = None, amount: Any = None) -> Model:
    if amount in (None, ""):  # an empty amount would remove a limit: not from this form
        raise services.ValidationFailed({"amount": [_("This field is required.")]})
    row = services.set_credit_limit(company, actor, partner=partner, amount=amount)
    assert row is not None
    return row


class CreditLimitCreateView(ObjectCreateView):
    model = CreditLimit
    form_class = CreditLimitForm
    title = gettext_lazy("New credit limit")
    service = _set_credit_limit
    list_url_name = "sales:credit_limit_list"


def _update_credit_limit(
    row: CreditLimit, actor: Any, *, expected_version: int | None = None, amount: Any = None, **fields: Any
) -> Model:
    return services.set_credit_limit(row.company, actor, partner=row.partner, amount=amount) or row


class CreditLimitEditView(ObjectEditView):
    model = CreditLimit
    form_class = CreditLimitForm
    service = _update_credit_limit

    def get_queryset(self) -> QuerySet[CreditLimit]:
        return super().get_queryset().select_related("partner")


# --- profitability: the order's, the customer card's, and the sales analysis -----------------------

MAX_ROWS, MAX_COLUMNS = 200, 24


def measure_text(figures: profit.Figures, name: str) -> str:
    value = figures.measure(name)
    if value is None:
        return "–"
    return f"{as_text(value)} %" if name == "margin_percent" else as_text(value)


def _measure_column(name: str) -> Column:
    return Column(name, profit.MEASURES[name], numeric=True, accessor=lambda row: measure_text(row[1], name))


PROFIT_COLUMNS = [
    Column("period", gettext_lazy("Period"), accessor=lambda row: row[0]),
    *[_measure_column(name) for name in ("revenue", "discount", "cost", "margin", "margin_percent")],
]


def profit_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """What this customer brought: revenue, discounts, cost of goods sold and margin this year,
    last year and over the whole relationship (company currency), from one query by month."""
    company = allowed_company(request.user)
    if company is None or company.pk != partner.company_id:
        return None
    months = profit.figures(profit.Scope(company, request.user, partner=partner.pk), "month")
    if not months:
        return None
    year = timezone.localdate().year
    periods = [
        (str(year), lambda month: str(month).startswith(f"{year}-")),
        (str(year - 1), lambda month: str(month).startswith(f"{year - 1}-")),
        (_("Whole relationship"), lambda month: True),
    ]
    rows = [
        (label, profit.add_up([f for month, _c, f in months if within(month)])) for label, within in periods
    ]
    query = urlencode({"rows": "product", "columns": "month"})
    return Table(
        PROFIT_COLUMNS,
        rows,
        caption=_("Profitability (%(currency)s)") % {"currency": company.currency_id},
        key="sales-profit",
        actions=[(f"{reverse('sales:analysis')}?{query}", _("Sales analysis"))],
    )


class AnalysisView(ModelView):
    """``/sales/analysis/?rows=…&columns=…&measure=…&start=…&end=…[&format=xlsx]``: revenue,
    discounts, cost of goods sold, margin, quantity and orders pivoted by customer, product,
    category, salesperson, country or month over what the reader may see; a chart by month."""

    model = SalesOrder
    action = "view_sales_analysis"
    template_name = "sales/analysis.html"
    title = gettext_lazy("Sales analysis")

    def permission_name(self) -> str:
        return ANALYSIS

    def get(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        today = timezone.localdate()
        given = request.GET.copy()
        given.setdefault("rows", "customer")
        given.setdefault("measure", "revenue")
        if "start" not in request.GET and "end" not in request.GET:
            given["start"] = today.replace(year=today.year - 1, day=1).isoformat()
        form = AnalysisForm(given)
        valid = form.is_valid()
        data = form.cleaned_data if valid else {"rows": "customer", "measure": "revenue"}
        rows, columns, measure = data["rows"], data.get("columns") or None, data["measure"]
        scope = profit.Scope(company, request.user, data.get("start"), data.get("end"))
        if request.GET.get("format") == "xlsx":
            if not valid:
                return HttpResponseBadRequest(
                    " ".join(str(message) for errors in form.errors.values() for message in errors),
                    content_type="text/plain; charset=utf-8",
                )
            return _analysis_xlsx(profit.analysis(scope, rows, columns), rows, columns)
        groups = profit.analysis(scope, rows, columns) if valid else []
        context = {
            **self.base_context(),
            "form": form,
            "measure_label": profit.MEASURES[measure],
            "rows_label": profit.DIMENSIONS[rows],
            "currency": company.currency_id,
            "total": profit.total(scope) if valid else profit.Figures(),
            "measures": [(name, label) for name, label in profit.MEASURES.items()],
            "query": urlencode({k: v for k, v in given.items() if k != "format"}),
        }
        if valid and columns is None:
            shown = groups[:MAX_ROWS]
            context["table"] = [
                (g.row_label, [measure_text(g.figures, n) for n in profit.MEASURES], bar)
                for g, bar in zip(shown, _bars(shown, measure), strict=True)
            ]
            context["more"] = max(len(groups) - MAX_ROWS, 0)
        elif valid:
            assert columns is not None
            context.update(_pivot(scope, groups, rows, columns, measure))
        months = groups if rows == "month" and columns is None else []
        if valid and not months:
            months = profit.analysis(scope, "month")
        context["chart"] = bar_chart(
            [g.row_label for g in months],
            [
                (str(profit.MEASURES["revenue"]), "chart-income", [g.figures.revenue for g in months]),
                (str(profit.MEASURES["cost"]), "chart-expense", [g.figures.cost for g in months]),
                (str(profit.MEASURES["margin"]), "chart-result", [g.figures.margin for g in months]),
            ],
        )
        return render(request, self.template_name, context, status=200 if valid else 400)


def _bars(groups: list[profit.Group], measure: str) -> list[float]:
    """Each row's bar: its measure as a share of the largest (0–100)."""
    values = [float(g.figures.measure(measure) or 0) for g in groups]
    top = max((abs(v) for v in values), default=0) or 1
    return [round(abs(v) * 100 / top, 1) for v in values]


def _pivot(
    scope: profit.Scope, groups: list[profit.Group], rows: str, columns: str, measure: str
) -> dict[str, Any]:
    """The measure in a grid: rows by their total revenue (months in order), the columns
    likewise, at most :data:`MAX_COLUMNS` of them (the latest months); totals per row and column
    from the database (orders and margin % do not add up)."""
    row_totals = {g.row: g for g in profit.analysis(scope, rows)}
    every_column = profit.analysis(scope, columns)  # months in order, the others by revenue
    column_totals = every_column[-MAX_COLUMNS:] if columns == "month" else every_column[:MAX_COLUMNS]
    cells = {(g.row, g.column): g.figures for g in groups}
    row_keys = list(row_totals)
    return {
        "pivot_header": [g.row_label for g in column_totals],
        "pivot_rows": [
            (
                row_totals[key].row_label,
                [measure_text(cells.get((key, c.row), profit.Figures()), measure) for c in column_totals],
                measure_text(row_totals[key].figures, measure),
            )
            for key in row_keys[:MAX_ROWS]
        ],
        "pivot_totals": [measure_text(c.figures, measure) for c in column_totals],
        "more": max(len(row_keys) - MAX_ROWS, 0),
    }


def _analysis_xlsx(groups: list[profit.Group], rows: str, columns: str | None) -> HttpResponseBase:
    header = [str(profit.DIMENSIONS[rows])]
    if columns:
        header.append(str(profit.DIMENSIONS[columns]))
    header += [str(label) for label in profit.MEASURES.values()]
    table = [
        [
            g.row_label,
            *([g.column_label] if columns else []),
            *[g.figures.measure(n) for n in profit.MEASURES],
        ]
        for g in groups
    ]
    return xlsx_table_response(header, table, stem="sales-analysis", title=str(_("Sales analysis")))


# --- customers who bought this also bought ----------------------------------------------------------

ALSO_BOUGHT_COLUMNS = [
    Column(
        "product",
        gettext_lazy("Product"),
        link=lambda s: s.product.get_absolute_url(),
        accessor=lambda s: s.product,
    ),
    Column("customers", gettext_lazy("Customers who bought both"), numeric=True),
]


def also_bought_panel(partner: Partner, request: HttpRequest) -> Table | None:
    """What the customers who bought what this customer bought also bought, and it has not yet."""
    found = also_bought.for_customer(Company(pk=partner.company_id), partner.pk)
    if not found:
        return None
    return Table(
        ALSO_BOUGHT_COLUMNS,
        found,
        caption=_("Customers who bought the same also bought"),
        key="sales-also-bought",
    )


class AlsoBoughtView(ModelView):
    """The quotation form's suggestions as the salesperson types (htmx POSTs the form here):
    what the customers who bought the products on the lines also bought. Reads only."""

    model = SalesOrder
    action = "add"
    template_name = "sales/_also_bought.html"

    def post(self, request: HttpRequest) -> HttpResponse:
        company = allowed_company(request.user)
        products = [
            str(value)
            for key, value in request.POST.items()
            if key.startswith("lines-") and key.endswith("-product")
        ]
        chosen = {int(value) for value in products if value.isdigit() and len(value) < 19}
        found = also_bought.also_bought(company, chosen) if company is not None else []
        return render(request, self.template_name, {"suggestions": found})


# --- the deal page's panel: its quotations and orders, and the revenue invoiced ------------------------


def deal_panel(deal: Deal, request: HttpRequest) -> str | None:
    """The deal's quotations and orders the reader may see, the revenue actually invoiced for
    them (posted invoices less credit notes, company currency: ``profit.figures``, derived, never
    stored), and a button that makes the quotation from the deal's products of interest."""
    orders = list(
        SalesOrder.objects.visible_to(request.user)
        .filter(deal=deal)
        .select_related("currency")
        .order_by("-order_date", "-id")[:PANEL_ROWS]
    )
    company = allowed_company(request.user)
    invoiced = [
        profit.figures(profit.Scope(company, request.user, order=order.pk))
        for order in orders
        if company is not None and order.state in (S.CONFIRMED, S.DONE)
    ]
    revenue = profit.add_up([figures for found in invoiced for _r, _c, figures in found])
    may_quote = request.user.has_perm("sales.add_salesorder") and deal.state != Deal.State.LOST
    if not orders and not may_quote:
        return None
    return render_to_string(
        "sales/_deal_panel.html",
        {
            "table": Table(
                PANEL_COLUMNS,
                orders,
                caption=_("Quotations and orders"),
                empty=_("No quotation yet."),
                key="deal-sales-orders",
            ),
            "revenue": revenue.revenue,
            "currency": company.currency_id if company is not None else "",
            "quote_url": reverse("sales:order_from_deal", args=[deal.pk]) if may_quote else "",
        },
        request=request,
    )


class QuotationFromDealView(ModelView):
    """POST: a quotation for the deal's customer with its products of interest as lines (their
    prices and taxes filled in), then its page to finish it."""

    model = SalesOrder
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        actor: Any = request.user  # signed in (ModelView)
        deal = get_object_or_404(deals(actor), pk=pk)
        try:
            order = services.create_from_deal(deal, actor)
        except BusinessError as error:
            messages.error(request, str(error))
            return redirect(deal.get_absolute_url())
        messages.success(request, _("Quotation made from the deal: check it and send it."))
        return redirect(reverse("sales:order_edit", args=[order.pk]))
