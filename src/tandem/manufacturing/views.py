"""Manufacturing pages: work centres (with their shop floor), routings, bills of materials (with the
cost roll-up), manufacturing orders with their actions (confirm, check availability, start,
produce, scrap, finish, cancel), quality check points and alerts, and the shop-floor screen per
work centre: big buttons to start, pause and finish work orders and record checks, for a tablet."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import User
from tandem.core.money import plain, read_decimal, trimmed
from tandem.inventory.models import Move
from tandem.manufacturing import queries, services
from tandem.manufacturing.filters import (
    BomFilter,
    OrderFilter,
    QualityAlertFilter,
    QualityPointFilter,
    RoutingFilter,
    WorkCentreFilter,
)
from tandem.manufacturing.forms import (
    BomForm,
    ManufacturingOrderForm,
    ProduceForm,
    QualityPointForm,
    RoutingForm,
    ScrapForm,
    WorkCentreForm,
)
from tandem.manufacturing.models import (
    Bom,
    BomLine,
    ManufacturingOrder,
    QualityAlert,
    QualityCheck,
    QualityPoint,
    Routing,
    WorkCentre,
    WorkOrder,
)
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

S = ManufacturingOrder.State
W = WorkOrder.State


def _quantity(value: Any) -> Any:
    return trimmed(value) if value is not None else ""


autocomplete.register(
    "manufacturing.product",
    autocomplete.Source(
        rows=lambda request: (
            Product.objects.visible_to(request.user).filter(active=True).exclude(kind=Product.Kind.SERVICE)
        ),
        search=lambda rows, text: rows.filter(Q(name__icontains=text) | Q(sku__icontains=text)),
        order=("name_key", "id"),
    ),
)


# --- work centres --------------------------------------------------------------------------------


class WorkCentreListView(ObjectListView):
    model = WorkCentre
    filterset_class = WorkCentreFilter
    filter_fields = ["active"]
    default_filters = {"active": "true"}
    columns = [
        Column("name", gettext_lazy("Name"), link=True),
        Column("code", gettext_lazy("Code"), sort="code"),
        Column("capacity_hours", gettext_lazy("Hours a day"), numeric=True),
        Column("cost_per_hour", gettext_lazy("Cost per hour"), numeric=True),
        Column("working_days", gettext_lazy("Working days")),
        Column("holiday_country", gettext_lazy("Public holidays of")),
        Column(
            "shop_floor",
            gettext_lazy("Shop floor"),
            accessor=lambda c: _("Open"),
            link=lambda c: reverse("manufacturing:shop_floor", args=[c.pk]),
            export=False,
        ),
    ]
    sorts = {"code": SortKey("code", gettext_lazy("Code"))}
    default_sort = "code"
    create_url_name = "manufacturing:centre_create"
    create_label = gettext_lazy("New work centre")
    export_url_name = "manufacturing:centre_export"


class WorkCentreDetailView(ObjectDetailView):
    model = WorkCentre
    template_name = "manufacturing/centre_detail.html"
    edit_url_name = "manufacturing:centre_edit"
    list_url_name = "manufacturing:centre_list"
    fields = [
        "code",
        "capacity_hours",
        "cost_per_hour",
        "working_days",
        "holiday_country",
        "active",
        "created_at",
    ]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        context["shop_floor_url"] = reverse("manufacturing:shop_floor", args=[self.object.pk])
        return context


class WorkCentreCreateView(ObjectCreateView):
    model = WorkCentre
    form_class = WorkCentreForm
    title = gettext_lazy("New work centre")
    service = services.create_work_centre
    list_url_name = "manufacturing:centre_list"


class WorkCentreEditView(ObjectEditView):
    model = WorkCentre
    form_class = WorkCentreForm
    service = services.update_work_centre


# --- routings --------------------------------------------------------------------------------------


OPERATION_COLUMNS = [
    Column("name", gettext_lazy("Operation")),
    Column("work_centre", gettext_lazy("Work centre")),
    Column("setup_minutes", gettext_lazy("Setup (minutes)"), numeric=True, shown=_quantity),
    Column("run_minutes", gettext_lazy("Run (minutes a unit)"), numeric=True, shown=_quantity),
]


class RoutingListView(ObjectListView):
    model = Routing
    filterset_class = RoutingFilter
    filter_fields = ["active"]
    default_filters = {"active": "true"}
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("active", gettext_lazy("Active")),
        Column("created_at", gettext_lazy("Created")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "manufacturing:routing_create"
    create_label = gettext_lazy("New routing")
    export_url_name = "manufacturing:routing_export"


class RoutingDetailView(ObjectDetailView):
    model = Routing
    template_name = "manufacturing/tables_detail.html"
    edit_url_name = "manufacturing:routing_edit"
    list_url_name = "manufacturing:routing_list"
    fields = ["name", "active", "created_at"]

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        operations = self.object.operations.select_related("work_centre").order_by("sequence", "id")  # type: ignore[attr-defined]
        context["tables"] = [Table(OPERATION_COLUMNS, operations, caption=_("Operations"), key="operations")]
        return context


class RoutingCreateView(ObjectCreateView):
    model = Routing
    form_class = RoutingForm
    form_template = "manufacturing/_routing_form.html"
    title = gettext_lazy("New routing")
    service = services.create_routing
    list_url_name = "manufacturing:routing_list"


class RoutingEditView(ObjectEditView):
    model = Routing
    form_class = RoutingForm
    form_template = "manufacturing/_routing_form.html"
    service = services.update_routing


# --- bills of materials ---------------------------------------------------------------------------


LINE_COLUMNS = [
    Column("product", gettext_lazy("Component"), link=lambda line: line.product.get_absolute_url()),
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
    Column("uom", gettext_lazy("Unit")),
    Column("scrap_percent", gettext_lazy("Scrap %"), numeric=True, shown=_quantity),
]
BYPRODUCT_COLUMNS = [
    Column("product", gettext_lazy("By-product")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
    Column("uom", gettext_lazy("Unit")),
    Column("cost_share", gettext_lazy("Share of the cost %"), numeric=True, shown=_quantity),
]


class BomListView(ObjectListView):
    model = Bom
    filterset_class = BomFilter
    filter_fields = ["kind", "active"]
    default_filters = {"active": "true"}
    search_placeholder = gettext_lazy("Reference, product name or SKU")
    columns = [
        Column("reference", gettext_lazy("Reference"), link=True, sort="reference"),
        Column("product", gettext_lazy("Product")),
        Column("kind", gettext_lazy("Kind")),
        Column("revision", gettext_lazy("Revision"), numeric=True),
        Column("quantity", gettext_lazy("Quantity made"), numeric=True, shown=_quantity),
        Column("valid_from", gettext_lazy("Valid from")),
        Column("valid_to", gettext_lazy("Valid to")),
    ]
    sorts = {
        "reference": SortKey("reference", gettext_lazy("Reference")),
        "newest": SortKey("id", gettext_lazy("Newest"), descending=True),
    }
    default_sort = "reference"
    create_url_name = "manufacturing:bom_create"
    create_label = gettext_lazy("New bill of materials")
    export_url_name = "manufacturing:bom_export"

    def decorate(self, rows: QuerySet[Bom]) -> QuerySet[Bom]:
        return rows.select_related("product")


class BomDetailView(ObjectDetailView):
    model = Bom
    template_name = "manufacturing/tables_detail.html"
    edit_url_name = "manufacturing:bom_edit"
    list_url_name = "manufacturing:bom_list"
    fields = [
        "product",
        "kind",
        "revision",
        "quantity",
        "routing",
        "valid_from",
        "valid_to",
        "active",
        "created_at",
    ]

    def get_queryset(self) -> QuerySet[Bom]:
        return super().get_queryset().select_related("product__uom", "routing")

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        bom: Bom = self.object  # type: ignore[assignment]
        lines = bom.lines.select_related("product", "uom").order_by("sequence", "id")
        tables = [Table(LINE_COLUMNS, lines, caption=_("Components"), key="components")]
        byproducts = list(bom.byproducts.select_related("product", "uom"))
        if byproducts:
            tables.append(Table(BYPRODUCT_COLUMNS, byproducts, caption=_("By-products"), key="byproducts"))
        context["tables"] = tables
        context["links"] = [
            (reverse("manufacturing:bom_explode", args=[bom.pk]), _("Requirements")),
            (reverse("manufacturing:bom_cost", args=[bom.pk]), _("Cost roll-up")),
        ]
        return context


class BomCreateView(ObjectCreateView):
    model = Bom
    form_class = BomForm
    form_template = "manufacturing/_bom_form.html"
    title = gettext_lazy("New bill of materials")
    service = services.create_bom
    list_url_name = "manufacturing:bom_list"


class BomEditView(ObjectEditView):
    model = Bom
    form_class = BomForm
    form_template = "manufacturing/_bom_form.html"
    service = services.update_bom


COST_COLUMNS = [
    Column("level", gettext_lazy("Level"), numeric=True),
    Column("name", gettext_lazy("Component or operation")),
    Column("kind", gettext_lazy("Costed by")),
    Column("quantity", gettext_lazy("Quantity or minutes a unit"), numeric=True, shown=_quantity),
    Column("unit_cost", gettext_lazy("Unit cost or cost per hour"), numeric=True),
    Column("cost", gettext_lazy("Cost a unit"), numeric=True),
]
SOURCE_LABELS = {
    "bom": gettext_lazy("its own bill of materials"),
    "valuation": gettext_lazy("stock valuation"),
    "operation": gettext_lazy("work centre"),
}


class _CostLine:
    def __init__(self, row: queries.CostRow, currency: Any) -> None:
        self.level = row.level
        indent = "\u2003" * (row.level - 1)
        self.name = f"{indent}{row.name}" + (f" ({row.work_centre.code})" if row.work_centre else "")
        self.kind = SOURCE_LABELS[row.source]
        self.quantity = row.quantity
        self.unit_cost = row.unit_cost.quantize(currency.quantum)
        self.cost = row.cost.quantize(currency.quantum)


class BomCostView(ModelView):
    """The standard cost of a unit of the BOM's product, rolled up level by level."""

    model = Bom
    template_name = "manufacturing/cost.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        bom = get_object_or_404(self.get_queryset().select_related("product__company__currency"), pk=pk)
        book = queries.BomBook(bom.company_id, timezone.localdate())
        book.by_product[bom.product_id] = (
            Bom.objects.select_related("product__uom", "routing")
            .prefetch_related(
                Prefetch(
                    "lines", BomLine.objects.select_related("product__uom", "uom").order_by("sequence", "id")
                ),
                "byproducts",
                "routing__operations__work_centre",
            )
            .get(pk=bom.pk)
        )
        found = queries.roll_up(bom.product, book=book)
        currency = bom.product.company.currency
        context = {
            **self.base_context(),
            "title": _("Cost roll-up of %(bom)s") % {"bom": bom},
            "object": bom,
            "rollup": found,
            "currency": currency,
            "unit_cost": found.unit_cost.quantize(currency.quantum),
            "components": found.components.quantize(currency.quantum),
            "operations": found.operations.quantize(currency.quantum),
            "table": Table(
                COST_COLUMNS,
                [_CostLine(row, currency) for row in found.rows],
                caption=_("Levels"),
                key="levels",
            ),
        }
        return render(request, self.template_name, context)


REQUIREMENT_COLUMNS = [
    Column("level", gettext_lazy("Level"), numeric=True),
    Column("name", gettext_lazy("Component")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True),
    Column("unit", gettext_lazy("Unit")),
    Column("supply", gettext_lazy("Made or bought")),
    Column("kit", gettext_lazy("Through the kit")),
]


class _Requirement:
    def __init__(self, row: queries.Requirement) -> None:
        self.level = row.level
        self.name = "\u2003" * (row.level - 1) + str(row.product)
        self.quantity = trimmed(row.quantity)
        self.unit = row.product.uom.code
        self.supply = _("made: %(bom)s") % {"bom": row.makes} if row.makes is not None else _("bought")
        self.kit = row.through_kit.name if row.through_kit is not None else ""


class BomExplodeView(ModelView):
    """What making a quantity of the BOM's product takes, level by level (kits exploded, scrap
    included, nothing netted against stock)."""

    model = Bom
    template_name = "manufacturing/explode.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        bom = get_object_or_404(self.get_queryset().select_related("product__uom"), pk=pk)
        errors: dict[str, list[str]] = {}
        quantity = read_decimal(
            request.GET.get("quantity") or bom.quantity, "quantity", errors, least="above zero"
        )
        rows = [] if errors else queries.explode(bom.product, quantity)
        context = {
            **self.base_context(),
            "title": _("Requirements of %(bom)s") % {"bom": bom},
            "object": bom,
            "quantity": trimmed(quantity) if not errors else request.GET.get("quantity", ""),
            "errors": errors.get("quantity", []),
            "table": Table(
                REQUIREMENT_COLUMNS, [_Requirement(r) for r in rows], caption=_("Levels"), key="levels"
            ),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


# --- manufacturing orders -------------------------------------------------------------------------


class OrderActions(ActionView):
    model = ManufacturingOrder
    url_name = "manufacturing:order_{name}"
    actions = [
        Action(
            "confirm",
            gettext_lazy("Confirm"),
            lambda request, mo: services.confirm_order(mo, request.user),
            done=gettext_lazy("Confirmed: the components are reserved where the stock allows."),
            available=lambda mo, user: mo.state == S.DRAFT,
            style="primary",
        ),
        Action(
            "reserve",
            gettext_lazy("Check availability"),
            lambda request, mo: services.reserve_components(mo, request.user),
            done=gettext_lazy("The components were reserved again where the stock allows."),
            available=lambda mo, user: mo.state in (S.CONFIRMED, S.IN_PROGRESS),
        ),
        Action(
            "start",
            gettext_lazy("Start"),
            lambda request, mo: services.start_order(mo, request.user),
            done=gettext_lazy("Production started."),
            available=lambda mo, user: mo.state == S.CONFIRMED,
        ),
        Action(
            "finish",
            gettext_lazy("Finish"),
            lambda request, mo: services.finish_order(mo, request.user),
            done=gettext_lazy("Done; what is left to make went to a backorder."),
            available=lambda mo, user: mo.state == S.IN_PROGRESS,
            confirm=gettext_lazy("Finish this order? What was not made goes to a backorder."),
            style="primary",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, mo: services.cancel_order(mo, request.user),
            done=gettext_lazy("The order was cancelled; its components are free again."),
            confirm=gettext_lazy("Cancel this order? This cannot be undone."),
            available=lambda mo, user: mo.state in (S.DRAFT, S.CONFIRMED, S.IN_PROGRESS),
            style="outline-danger",
        ),
    ]


class OrderListView(ObjectListView):
    model = ManufacturingOrder
    title = gettext_lazy("Manufacturing orders")
    filterset_class = OrderFilter
    filter_fields = ["state", "source"]
    search_placeholder = gettext_lazy("Number, reference or product")
    columns = [
        Column("number", gettext_lazy("Number"), link=True, accessor=str),
        Column("reference", gettext_lazy("Reference")),
        Column("product", gettext_lazy("Product")),
        Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
        Column("due_date", gettext_lazy("Due"), sort="due"),
        Column("source", gettext_lazy("Source")),
        Column("state", gettext_lazy("State")),
    ]
    sorts = {
        "due": SortKey("due_date", gettext_lazy("Due date"), descending=True),
        "newest": SortKey("id", gettext_lazy("Newest"), descending=True),
    }
    default_sort = "due"
    create_url_name = "manufacturing:order_create"
    create_label = gettext_lazy("New manufacturing order")
    export_url_name = "manufacturing:order_export"

    def decorate(self, rows: QuerySet[ManufacturingOrder]) -> QuerySet[ManufacturingOrder]:
        return rows.select_related("product")


WORK_ORDER_COLUMNS = [
    Column("name", gettext_lazy("Operation")),
    Column(
        "work_centre",
        gettext_lazy("Work centre"),
        link=lambda w: reverse("manufacturing:shop_floor", args=[w.work_centre_id]),
    ),
    Column("planned_minutes", gettext_lazy("Planned minutes"), numeric=True, shown=_quantity),
    Column("worked", gettext_lazy("Minutes worked"), numeric=True),
    Column("state", gettext_lazy("State"), accessor=lambda w: w.get_state_display()),
]
CHECK_COLUMNS = [
    Column("point", gettext_lazy("Check")),
    Column(
        "operation", gettext_lazy("Operation"), accessor=lambda c: c.work_order.name if c.work_order else ""
    ),
    Column("measured", gettext_lazy("Measured"), numeric=True),
    Column("state", gettext_lazy("State"), accessor=lambda c: c.get_state_display()),
    Column("checked_by", gettext_lazy("Checked by")),
]
PRODUCTION_COLUMNS = [
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
    Column("lot", gettext_lazy("Lot")),
    Column("component_value", gettext_lazy("Components"), numeric=True),
    Column("labour_value", gettext_lazy("Labour and overhead"), numeric=True),
    Column("value", gettext_lazy("Value"), numeric=True),
    Column("output", gettext_lazy("Transfer"), link=lambda p: p.output.get_absolute_url()),
    Column("produced_at", gettext_lazy("Produced")),
]
COMPONENT_COLUMNS = [
    Column("product", gettext_lazy("Component")),
    Column("quantity", gettext_lazy("Still to consume"), numeric=True, shown=_quantity),
    Column("reserved", gettext_lazy("Reserved"), numeric=True),
]
LOT_COLUMNS = [
    Column("product", gettext_lazy("Component")),
    Column("lot_name", gettext_lazy("Lot")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
]
SCRAP_COLUMNS = [
    Column("product", gettext_lazy("Product")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=_quantity),
    Column("reason", gettext_lazy("Reason")),
    Column("created_at", gettext_lazy("When")),
]


class _Worked:
    def __init__(self, work_order: WorkOrder) -> None:
        self.work_order = work_order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.work_order, name)

    @property
    def worked(self) -> Any:
        return queries.minutes_worked(self.work_order.logs.all()).quantize(Decimal(1))


class _Component:
    def __init__(self, move: Any) -> None:
        self.product = move.product
        self.quantity = move.quantity
        self.reserved = trimmed(sum((r.quantity for r in move.reservations.all()), Decimal(0)))


class OrderDetailView(ObjectDetailView):
    model = ManufacturingOrder
    template_name = "manufacturing/order_detail.html"
    action_view = OrderActions
    edit_url_name = "manufacturing:order_edit"
    list_url_name = "manufacturing:order_list"
    fields = [
        "product", "quantity", "bom", "routing", "warehouse", "due_date", "planned_start", "planned_finish",
        "source", "origin", "reference", "lot_name", "backorder_of", "standard_cost", "confirmed_at",
        "started_at", "done_at", "notes",
    ]  # fmt: skip

    def get_queryset(self) -> QuerySet[ManufacturingOrder]:
        return (
            super()
            .get_queryset()
            .select_related(
                "product__uom", "bom", "routing", "warehouse", "backorder_of", "company__currency"
            )
        )

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        order: ManufacturingOrder = self.object  # type: ignore[assignment]
        running = order.state in (S.CONFIRMED, S.IN_PROGRESS)
        context["edit_url"] = context["edit_url"] if order.state == S.DRAFT else None
        work_orders = order.work_orders.select_related("work_centre").prefetch_related("logs")
        checks = list(order.checks.select_related("point", "work_order", "checked_by"))
        productions = list(order.productions.select_related("lot", "output"))
        tables = []
        if order.components_id:
            moves = (
                Move.objects.filter(transfer_id=order.components_id)
                .select_related("product")
                .prefetch_related("reservations")
            )
            tables.append(
                Table(
                    COMPONENT_COLUMNS,
                    [_Component(m) for m in moves],
                    caption=_("Components"),
                    key="components",
                )
            )
        if work_orders:
            tables.append(
                Table(
                    WORK_ORDER_COLUMNS,
                    [_Worked(w) for w in work_orders],
                    caption=_("Work orders"),
                    key="work-orders",
                )
            )
        if productions:
            tables.append(Table(PRODUCTION_COLUMNS, productions, caption=_("Produced"), key="productions"))
            lots = queries.consumed_lots(order)
            if lots:
                tables.append(Table(LOT_COLUMNS, lots, caption=_("Lots consumed"), key="lots"))
        scraps = list(order.scraps.select_related("product"))
        if scraps:
            tables.append(Table(SCRAP_COLUMNS, scraps, caption=_("Scrap"), key="scrap"))
        context["tables"] = tables
        context["checks"] = checks
        context["may_check"] = running and self.request.user.has_perm("manufacturing.change_qualitycheck")
        context["alerts"] = list(order.alerts.filter(state=QualityAlert.State.OPEN))
        actual = queries.actual_unit_cost(order)
        context["actual_cost"] = actual
        context["variance"] = (actual - order.standard_cost) if actual is not None else None
        may_change = self.request.user.has_perm("manufacturing.change_manufacturingorder")
        context["produce_url"] = (
            reverse("manufacturing:order_produce", args=[order.pk]) if running and may_change else None
        )
        context["scrap_url"] = (
            reverse("manufacturing:order_scrap", args=[order.pk])
            if order.state in (S.CONFIRMED, S.IN_PROGRESS, S.DONE) and may_change
            else None
        )
        return context


class OrderCreateView(ObjectCreateView):
    model = ManufacturingOrder
    form_class = ManufacturingOrderForm
    title = gettext_lazy("New manufacturing order")
    service = services.create_order
    list_url_name = "manufacturing:order_list"


class OrderEditView(ObjectEditView):
    model = ManufacturingOrder
    form_class = ManufacturingOrderForm
    service = services.update_order


class _OrderFormView(ModelView):
    """A small form on one order (produce, scrap): the service's refusal shown on it."""

    model = ManufacturingOrder
    action = "change"
    template_name = "manufacturing/order_form.html"
    heading: Any = ""

    def order(self, pk: int) -> ManufacturingOrder:
        return get_object_or_404(self.get_queryset().select_related("product__uom"), pk=pk)  # type: ignore[no-any-return]

    @property
    def actor(self) -> User:
        return cast(User, self.request.user)

    def make_form(self, order: ManufacturingOrder, data: Any = None) -> Any:
        raise NotImplementedError

    def perform(self, order: ManufacturingOrder, form: Any) -> str:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self.order(pk)
        return self.page(order, self.make_form(order))

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        order = self.order(pk)
        form = self.make_form(order, request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    done = self.perform(order, form)
            except ValidationFailed as exc:
                for key, texts in exc.errors.items():
                    form.add_error(key if key in form.fields else None, texts)
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, done)
                return redirect(order.get_absolute_url())
        return self.page(order, form, status=400)

    def page(self, order: ManufacturingOrder, form: Any, status: int = 200) -> HttpResponse:
        context = {
            **self.base_context(),
            "title": str(self.heading) % {"order": order},
            "object": order,
            "form": form,
            "cancel_url": order.get_absolute_url(),
        }
        return render(self.request, self.template_name, context, status=status)


class ProduceView(_OrderFormView):
    heading = gettext_lazy("Produce on %(order)s")

    def make_form(self, order: ManufacturingOrder, data: Any = None) -> ProduceForm:
        return ProduceForm(data, initial={"quantity": trimmed(order.quantity - queries.produced(order))})

    def perform(self, order: ManufacturingOrder, form: ProduceForm) -> str:
        data = form.cleaned_data
        production = services.produce(order, self.actor, data.get("quantity"), lot=data.get("lot") or None)
        return _("%(quantity)s made, worth %(value)s.") % {
            "quantity": plain(production.quantity),
            "value": production.value,
        }


class ScrapView(_OrderFormView):
    heading = gettext_lazy("Scrap on %(order)s")

    def make_form(self, order: ManufacturingOrder, data: Any = None) -> ScrapForm:
        ids = {order.product_id, *order.bom.lines.values_list("product_id", flat=True)}
        if order.components_id:
            ids |= set(
                Move.objects.filter(transfer_id=order.components_id).values_list("product_id", flat=True)
            )
        products = Product.objects.visible_to(self.request.user).filter(pk__in=ids)
        return ScrapForm(data, products=products)

    def perform(self, order: ManufacturingOrder, form: ScrapForm) -> str:
        data = form.cleaned_data
        services.scrap(
            order, self.actor, product=data["product"], quantity=data["quantity"], reason=data["reason"]
        )
        return _("Scrapped.")


# --- the shop floor ----------------------------------------------------------------------------------


class WorkOrderActions(ActionView):
    """Start, pause and finish a work order; back to where the button was (the shop floor)."""

    model = WorkOrder
    url_name = "manufacturing:workorder_{name}"
    actions = [
        Action(
            "start",
            gettext_lazy("Start"),
            lambda request, wo: services.start_work_order(wo, request.user),
            available=lambda wo, user: wo.state in (W.PENDING, W.PAUSED),
            style="success",
            next_url=lambda wo: reverse("manufacturing:shop_floor", args=[wo.work_centre_id]),
        ),
        Action(
            "pause",
            gettext_lazy("Pause"),
            lambda request, wo: services.pause_work_order(wo, request.user),
            available=lambda wo, user: wo.state == W.IN_PROGRESS,
            style="warning",
            next_url=lambda wo: reverse("manufacturing:shop_floor", args=[wo.work_centre_id]),
        ),
        Action(
            "finish",
            gettext_lazy("Finish"),
            lambda request, wo: services.finish_work_order(wo, request.user),
            available=lambda wo, user: wo.state in (W.IN_PROGRESS, W.PAUSED),
            style="primary",
            next_url=lambda wo: reverse("manufacturing:shop_floor", args=[wo.work_centre_id]),
        ),
    ]

    def object_url(self, obj: Any) -> str:
        return reverse("manufacturing:shop_floor", args=[obj.work_centre_id])


class _Card:
    def __init__(self, work_order: WorkOrder, buttons: list[Any]) -> None:
        self.work_order = work_order
        self.order = work_order.order
        self.buttons = buttons
        self.worked = queries.minutes_worked(work_order.logs.all()).quantize(Decimal(1))
        self.checks = list(work_order.checks.all())


class ShopFloorView(ModelView):
    """A work centre's open work orders as cards with big buttons, for a tablet by the machine."""

    model = WorkCentre
    template_name = "manufacturing/shop_floor.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        centre = get_object_or_404(self.get_queryset(), pk=pk)
        rows = queries.open_work_orders(centre).prefetch_related("logs", "checks__point")
        actions = WorkOrderActions()
        may_check = request.user.has_perm("manufacturing.change_qualitycheck")
        cards = [_Card(w, actions.buttons(request, w)) for w in rows[:100]]
        context = {
            **self.base_context(),
            "title": _("Shop floor: %(centre)s") % {"centre": centre},
            "object": centre,
            "cards": cards,
            "may_check": may_check,
            "here": request.get_full_path(),
        }
        return render(request, self.template_name, context)


class RecordCheckView(ModelView):
    """POST a check's result (``passed`` = 1 or 0, or ``measured``); back to ``next`` or the order."""

    model = QualityCheck
    action = "change"

    def post(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        check = get_object_or_404(self.get_queryset().select_related("order"), pk=pk)
        passed = request.POST.get("passed")
        try:
            with transaction.atomic():
                services.record_check(
                    check,
                    request.user,  # type: ignore[arg-type]
                    passed=None if passed in (None, "") else passed == "1",
                    measured=request.POST.get("measured") or None,
                )
        except BusinessError as exc:
            messages.error(request, exc.message)
        else:
            check.refresh_from_db()
            if check.state == QualityCheck.State.PASSED:
                messages.success(request, _("The check passed."))
            else:
                messages.warning(request, _("The check failed: a quality alert was raised."))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = check.order.get_absolute_url()
        return redirect(target)


# --- quality --------------------------------------------------------------------------------------


class QualityPointListView(ObjectListView):
    model = QualityPoint
    filterset_class = QualityPointFilter
    filter_fields = ["active"]
    default_filters = {"active": "true"}
    columns = [
        Column("title", gettext_lazy("Title"), link=True, sort="title"),
        Column("product", gettext_lazy("Product")),
        Column("operation", gettext_lazy("Operation")),
        Column("kind", gettext_lazy("Kind")),
        Column("minimum", gettext_lazy("Minimum"), numeric=True),
        Column("maximum", gettext_lazy("Maximum"), numeric=True),
        Column("unit", gettext_lazy("Unit")),
    ]
    sorts = {"title": SortKey("title", gettext_lazy("Title"))}
    default_sort = "title"
    create_url_name = "manufacturing:point_create"
    create_label = gettext_lazy("New quality check point")
    export_url_name = "manufacturing:point_export"

    def decorate(self, rows: QuerySet[QualityPoint]) -> QuerySet[QualityPoint]:
        return rows.select_related("product", "operation")


class QualityPointDetailView(ObjectDetailView):
    model = QualityPoint
    edit_url_name = "manufacturing:point_edit"
    list_url_name = "manufacturing:point_list"
    fields = [
        "product",
        "operation",
        "kind",
        "instructions",
        "minimum",
        "maximum",
        "unit",
        "active",
        "created_at",
    ]

    def get_queryset(self) -> QuerySet[QualityPoint]:
        return super().get_queryset().select_related("product", "operation")


class QualityPointCreateView(ObjectCreateView):
    model = QualityPoint
    form_class = QualityPointForm
    title = gettext_lazy("New quality check point")
    service = services.create_quality_point
    list_url_name = "manufacturing:point_list"


class QualityPointEditView(ObjectEditView):
    model = QualityPoint
    form_class = QualityPointForm
    service = services.update_quality_point


class AlertActions(ActionView):
    model = QualityAlert
    url_name = "manufacturing:alert_{name}"
    actions = [
        Action(
            "close",
            gettext_lazy("Close"),
            lambda request, alert: services.close_alert(alert, request.user),
            done=gettext_lazy("The alert was closed."),
            available=lambda alert, user: alert.state == QualityAlert.State.OPEN,
        ),
    ]


class QualityAlertListView(ObjectListView):
    model = QualityAlert
    filterset_class = QualityAlertFilter
    filter_fields = ["state"]
    default_filters = {"state": "open"}
    columns = [
        Column("description", gettext_lazy("Alert"), link=True),
        Column("order", gettext_lazy("Manufacturing order")),
        Column("product", gettext_lazy("Product")),
        Column("lot", gettext_lazy("Lot")),
        Column("state", gettext_lazy("State")),
        Column("created_at", gettext_lazy("Raised"), sort="raised"),
    ]
    sorts = {"raised": SortKey("created_at", gettext_lazy("Raised"), descending=True)}
    default_sort = "raised"
    export_url_name = "manufacturing:alert_export"

    def decorate(self, rows: QuerySet[QualityAlert]) -> QuerySet[QualityAlert]:
        return rows.select_related("order", "product", "lot")


class QualityAlertDetailView(ObjectDetailView):
    model = QualityAlert
    action_view = AlertActions
    list_url_name = "manufacturing:alert_list"
    fields = ["order", "product", "lot", "check_failed", "state", "created_at", "closed_by", "closed_at"]

    def get_queryset(self) -> QuerySet[QualityAlert]:
        return (
            super()
            .get_queryset()
            .select_related("order", "product", "lot", "check_failed__point", "closed_by")
        )
