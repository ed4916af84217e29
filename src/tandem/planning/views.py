"""Reorder rules: list (with the button that runs them), detail, create, edit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from tandem.core.errors import BusinessError
from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.core.money import trimmed
from tandem.core.querysets import allowed_company
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre
from tandem.planning import capacity, mrp_services, queries, scheduling, services
from tandem.planning.filters import (
    ForecastFilter,
    MrpRunFilter,
    PlannedOrderFilter,
    ProductPlanningFilter,
    ReorderRuleFilter,
)
from tandem.planning.forms import ForecastForm, ProductPlanningForm, ReorderRuleForm, StartRunForm
from tandem.planning.models import (
    Forecast,
    MrpException,
    MrpRun,
    PlannedOrder,
    ProductPlanning,
    ReorderRule,
)
from tandem.web.actions import Action, ActionView
from tandem.web.generic import (
    Column,
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table


class ReorderRuleListView(ObjectListView):
    model = ReorderRule
    filterset_class = ReorderRuleFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Product name or SKU")
    filter_fields = ["warehouse", "active"]
    default_filters = {"active": "true"}
    columns = [
        Column("product", gettext_lazy("Product"), link=True),
        Column("warehouse", gettext_lazy("Warehouse")),
        Column("min_quantity", gettext_lazy("Minimum"), numeric=True, shown=trimmed),
        Column("max_quantity", gettext_lazy("Maximum"), numeric=True, shown=trimmed),
        Column("multiple", gettext_lazy("Multiple"), numeric=True, shown=trimmed),
        Column("safety_stock", gettext_lazy("Safety stock"), numeric=True, shown=trimmed),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"newest": SortKey("id", gettext_lazy("Newest"), descending=True)}
    default_sort = "newest"
    create_url_name = "planning:rule_create"
    create_label = gettext_lazy("New reorder rule")
    export_url_name = "planning:rule_export"
    template_name = "planning/rule_list.html"

    def decorate(self, rows: QuerySet[ReorderRule]) -> QuerySet[ReorderRule]:
        return rows.select_related("product", "warehouse")


class ReorderRuleDetailView(ObjectDetailView):
    model = ReorderRule
    edit_url_name = "planning:rule_edit"
    list_url_name = "planning:rule_list"
    fields = [
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

    def get_queryset(self) -> QuerySet[ReorderRule]:
        return super().get_queryset().select_related("product", "warehouse")


class ReorderRuleCreateView(ObjectCreateView):
    model = ReorderRule
    form_class = ReorderRuleForm
    title = gettext_lazy("New reorder rule")
    service = services.create_rule
    list_url_name = "planning:rule_list"


class ReorderRuleEditView(ObjectEditView):
    model = ReorderRule
    form_class = ReorderRuleForm
    service = services.update_rule


class RunRulesView(ModelView):
    """POST: run the company's reorder rules now, as a job (progress on the jobs page)."""

    model = ReorderRule
    action = "change"

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = getattr(request, "company", None)
        if company is None or not request.user.has_perm("purchasing.add_purchaserequest"):
            raise PermissionDenied
        job = jobs.start(
            "planning.run_rules",
            user=request.user,  # type: ignore[arg-type]
            company=company,
            title=Message(gettext_noop("Run the reorder rules")),
        )
        messages.success(request, _("The reorder rules are running; the purchase requests follow."))
        return redirect("jobs:detail", job.pk)


# --- capacity ---------------------------------------------------------------------------------------

LOAD_DAYS, MAX_LOAD_DAYS = 14, 92
BAR_WIDTH, BAR_GAP, CHART_HEIGHT = 28, 6, 120


class _Bar:
    """One day of a centre's chart: the load bar (red past the capacity) and the capacity mark."""

    def __init__(self, index: int, day: capacity.DayLoad, top: Decimal) -> None:
        scale = Decimal(CHART_HEIGHT) / top
        self.x = index * (BAR_WIDTH + BAR_GAP)
        self.height = float(day.load * scale)
        self.y = CHART_HEIGHT - self.height
        self.mark = float(CHART_HEIGHT - day.capacity * scale)
        self.day = day


class CapacityView(ModelView):
    """Work-centre load per day against capacity (``?start=&days=``), overloads highlighted, as
    a chart and a table; planners schedule the released orders from here."""

    model = WorkCentre
    template_name = "planning/capacity.html"
    title = gettext_lazy("Capacity")

    def get(self, request: HttpRequest) -> HttpResponse:
        company = allowed_company(request.user)
        if company is None:
            raise Http404
        errors: list[str] = []
        start = timezone.localdate()
        if request.GET.get("start"):
            try:
                start = datetime.date.fromisoformat(request.GET["start"])
            except ValueError:
                errors.append(_("start: Enter a date as YYYY-MM-DD."))
        text = request.GET.get("days") or str(LOAD_DAYS)
        days = int(text) if text.isdigit() and 1 <= int(text) <= MAX_LOAD_DAYS else 0
        if not days:
            errors.append(_("days: Enter a number of days from 1 to %(most)s.") % {"most": MAX_LOAD_DAYS})
            days = LOAD_DAYS
        centres = capacity.load(company, start, days)
        charts = []
        for row in centres:
            top = max([Decimal(1), *(d.load for d in row.days), *(d.capacity for d in row.days)])
            charts.append({"row": row, "bars": [_Bar(i, d, top) for i, d in enumerate(row.days)]})
        context = {
            **self.base_context(),
            "charts": charts,
            "dates": [start + datetime.timedelta(days=n) for n in range(days)],
            "start": start,
            "days": days,
            "errors": errors,
            "width": days * (BAR_WIDTH + BAR_GAP),
            "height": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
            "may_schedule": request.user.has_perm("manufacturing.change_manufacturingorder"),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


class ScheduleView(ModelView):
    """POST: schedule the released manufacturing orders from today, finite; back to the capacity page."""

    model = ManufacturingOrder
    action = "change"

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None or not request.user.has_perm("manufacturing.change_workorder"):
            raise PermissionDenied
        result = scheduling.schedule(company, request.user)  # type: ignore[arg-type]
        messages.success(
            request,
            _("%(orders)s orders scheduled; %(late)s finish after their due date.")
            % {"orders": result.orders, "late": len(result.late)},
        )
        return redirect("planning:capacity")


# --- MRP ------------------------------------------------------------------------------------------

PANEL_ROWS = 200
RELEASABLE = (PlannedOrder.State.PROPOSED, PlannedOrder.State.FIRM)


class MrpRunActions(ActionView):
    """A run's bulk actions: firm every proposal, release every proposal and firm order."""

    model = MrpRun
    url_name = "planning:mrp_{name}"
    actions = [
        Action(
            "firm",
            gettext_lazy("Firm all proposed"),
            lambda request, run: mrp_services.firm_orders(
                run.company, request.user, run.orders.filter(state=PlannedOrder.State.PROPOSED)
            ),
            done=gettext_lazy("The proposed orders are firm: the next runs keep them."),
            permission="planning.change_plannedorder",
            available=lambda run, user: _has_orders(run, (PlannedOrder.State.PROPOSED,)),
        ),
        Action(
            "release",
            gettext_lazy("Release all"),
            lambda request, run: _release(request, run.orders.filter(state__in=RELEASABLE)),
            done=gettext_lazy(
                "Released: manufacturing orders confirmed, purchase requests and RFQs written."
            ),
            confirm=gettext_lazy("Release every proposed and firm order of this run?"),
            permission="planning.change_plannedorder",
            available=lambda run, user: _has_orders(run, RELEASABLE),
            style="primary",
        ),
    ]


def _has_orders(run: MrpRun, states: tuple[str, ...]) -> bool:
    """A done run with orders in ``states`` — none on a run whose proposals a newer run
    superseded, or all of which were released."""
    return run.state == MrpRun.State.DONE and run.orders.filter(state__in=states).exists()


def _release(request: HttpRequest, rows: Any) -> mrp_services.Released:
    user = request.user
    if not user.has_perm("manufacturing.add_manufacturingorder") or not user.has_perm(
        "purchasing.add_purchaserequest"
    ):
        raise PermissionDenied
    return mrp_services.release_orders(
        request.company,  # type: ignore[attr-defined]
        user,  # type: ignore[arg-type]
        list(rows),
        rfqs=user.has_perm("purchasing.add_purchaseorder"),
    )


class MrpRunListView(ObjectListView):
    model = MrpRun
    title = gettext_lazy("MRP runs")
    filterset_class = MrpRunFilter
    filter_fields = ["state"]
    columns = [
        Column("id", gettext_lazy("Run"), link=True, shown=lambda pk: _("MRP run %(id)s") % {"id": pk}),
        Column("state", gettext_lazy("State")),
        Column("started_at", gettext_lazy("Started")),
        Column("started_by", gettext_lazy("Started by")),
        Column("horizon_days", gettext_lazy("Horizon (days)"), numeric=True),
        Column("products", gettext_lazy("Products"), numeric=True),
        Column("planned_orders", gettext_lazy("Planned orders"), numeric=True),
        Column("exceptions", gettext_lazy("Exceptions"), numeric=True),
    ]
    sorts = {"newest": SortKey("id", gettext_lazy("Newest"), descending=True)}
    default_sort = "newest"
    template_name = "planning/mrp_list.html"

    def decorate(self, rows: QuerySet[MrpRun]) -> QuerySet[MrpRun]:
        return rows.select_related("started_by")


PLANNED_COLUMNS = [
    Column("product", gettext_lazy("Product"), link=lambda o: o.get_absolute_url()),
    Column("kind", gettext_lazy("Make or buy")),
    Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=trimmed),
    Column("start_date", gettext_lazy("Start"), sort="start"),
    Column("due_date", gettext_lazy("Due"), sort="due"),
    Column("warehouse", gettext_lazy("Warehouse")),
    Column("partner", gettext_lazy("Supplier")),
    Column("level", gettext_lazy("Low-level code"), numeric=True),
    Column("state", gettext_lazy("State")),
]
EXCEPTION_COLUMNS = [
    Column("kind", gettext_lazy("Kind")),
    Column("product", gettext_lazy("Product")),
    Column("message", gettext_lazy("Message")),
]


class MrpRunDetailView(ObjectDetailView):
    model = MrpRun
    template_name = "planning/mrp_detail.html"
    action_view = MrpRunActions
    list_url_name = "planning:mrp_list"
    fields = [
        "state",
        "horizon_days",
        "started_at",
        "finished_at",
        "started_by",
        "job",
        "products",
        "demand_lines",
        "planned_orders",
        "exceptions",
        "milliseconds",
    ]

    def get_queryset(self) -> QuerySet[MrpRun]:
        return super().get_queryset().select_related("started_by", "job")

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        run = self.object
        orders = PlannedOrder.objects.filter(run_id=run.pk).select_related("product", "warehouse", "partner")
        orders = orders.order_by("due_date", "id")[:PANEL_ROWS]
        exceptions = (
            MrpException.objects.filter(run_id=run.pk).select_related("product").order_by("id")[:PANEL_ROWS]
        )
        more = reverse("planning:planned_list") + f"?run={run.pk}&state="
        context["tables"] = [
            Table(
                EXCEPTION_COLUMNS, exceptions, caption=_("Exceptions"), key="exceptions",
                empty=_("No exceptions."),
            ),
            Table(
                PLANNED_COLUMNS, orders, caption=_("Planned orders"), key="planned",
                actions=[(more, _("All planned orders of this run"))],
            ),
        ]  # fmt: skip
        return context


class StartMrpView(ModelView):
    """POST: start an MRP run of the company as a job; on to the run's page."""

    model = MrpRun
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponseBase:
        company = allowed_company(request.user)
        if company is None:
            raise PermissionDenied
        form = StartRunForm(request.POST or {"horizon_days": 90})
        horizon = form.cleaned_data["horizon_days"] if form.is_valid() else request.POST.get("horizon_days")
        try:
            run = mrp_services.start_mrp_run(company, request.user, horizon_days=horizon)  # type: ignore[arg-type]
        except BusinessError as exc:
            messages.error(request, exc.message)
            return redirect("planning:mrp_list")
        messages.success(request, _("MRP is running; its planned orders follow on the run's page."))
        return redirect("planning:mrp_detail", run.pk)


class PlannedOrderActions(ActionView):
    model = PlannedOrder
    url_name = "planning:planned_{name}"
    actions = [
        Action(
            "firm",
            pgettext_lazy("action", "Firm"),  # the button; plain "Firm" is the state
            lambda request, row: mrp_services.firm_orders(row.company, request.user, [row]),
            done=gettext_lazy("Firm: the next runs keep it."),
            available=lambda row, user: row.state == PlannedOrder.State.PROPOSED,
        ),
        Action(
            "release",
            gettext_lazy("Release"),
            lambda request, row: _release(request, [row]),
            done=gettext_lazy("Released."),
            available=lambda row, user: row.state in RELEASABLE,
            style="primary",
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, row: mrp_services.cancel_orders(row.company, request.user, [row]),
            done=gettext_lazy("The planned order was cancelled."),
            confirm=gettext_lazy("Cancel this planned order?"),
            available=lambda row, user: row.state in RELEASABLE,
            style="outline-danger",
        ),
    ]


class PlannedOrderListView(ObjectListView):
    model = PlannedOrder
    title = gettext_lazy("Planned orders")
    filterset_class = PlannedOrderFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Product name or SKU")
    filter_fields = ["run", "kind", "state"]
    default_filters = {"state": "proposed"}
    columns = [
        Column("product", gettext_lazy("Product"), link=True),
        *PLANNED_COLUMNS[1:],
        Column("run", gettext_lazy("MRP run")),
    ]
    sorts = {
        "due": SortKey("due_date", gettext_lazy("Due")),
        "start": SortKey("start_date", gettext_lazy("Start")),
    }
    default_sort = "due"
    export_url_name = "planning:planned_export"

    def decorate(self, rows: QuerySet[PlannedOrder]) -> QuerySet[PlannedOrder]:
        return rows.select_related("product", "warehouse", "partner", "run")


class PlannedOrderDetailView(ObjectDetailView):
    model = PlannedOrder
    action_view = PlannedOrderActions
    list_url_name = "planning:planned_list"
    fields = [
        "run",
        "product",
        "kind",
        "quantity",
        "start_date",
        "due_date",
        "warehouse",
        "partner",
        "bom",
        "level",
        "state",
        "manufacturing_order",
        "purchase_request",
        (
            gettext_lazy("RFQ"),
            lambda r: (
                r.purchase_request.order_line.order
                if r.purchase_request_id and r.purchase_request.order_line_id
                else None
            ),
        ),
        "released_at",
    ]

    def get_queryset(self) -> QuerySet[PlannedOrder]:
        return (
            super()
            .get_queryset()
            .select_related(
                "run", "product", "warehouse", "partner", "bom", "manufacturing_order",
                "purchase_request__order_line__order",
            )
        )  # fmt: skip


class ForecastListView(ObjectListView):
    model = Forecast
    filterset_class = ForecastFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Product name or SKU")
    filter_fields = ["warehouse", "month"]
    columns = [
        Column("product", gettext_lazy("Product"), link=lambda o: o.get_absolute_url()),
        Column("warehouse", gettext_lazy("Warehouse")),
        Column("month", gettext_lazy("Month"), sort="month", shown=lambda d: d.strftime("%Y-%m")),
        Column("quantity", gettext_lazy("Quantity"), numeric=True, shown=trimmed),
    ]
    sorts = {
        "month": SortKey("month", gettext_lazy("Month"), descending=True),
        "newest": SortKey("id", gettext_lazy("Newest"), descending=True),
    }
    default_sort = "month"
    create_url_name = "planning:forecast_create"
    create_label = gettext_lazy("New forecast")
    export_url_name = "planning:forecast_export"

    def decorate(self, rows: QuerySet[Forecast]) -> QuerySet[Forecast]:
        return rows.select_related("product", "warehouse")


class ForecastDetailView(ObjectDetailView):
    model = Forecast
    edit_url_name = "planning:forecast_edit"
    list_url_name = "planning:forecast_list"
    fields = ["product", "warehouse", "month", "quantity", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Forecast]:
        return super().get_queryset().select_related("product", "warehouse")


class ForecastCreateView(ObjectCreateView):
    model = Forecast
    form_class = ForecastForm
    title = gettext_lazy("New forecast")
    service = mrp_services.create_forecast
    list_url_name = "planning:forecast_list"


class ForecastEditView(ObjectEditView):
    model = Forecast
    form_class = ForecastForm
    service = mrp_services.update_forecast


class ProductPlanningListView(ObjectListView):
    model = ProductPlanning
    title = gettext_lazy("Lot sizing")
    filterset_class = ProductPlanningFilter
    search_function = queries.search
    search_placeholder = gettext_lazy("Product name or SKU")
    filter_fields = ["policy"]
    columns = [
        Column("product", gettext_lazy("Product"), link=lambda o: o.get_absolute_url()),
        Column("policy", gettext_lazy("Lot sizing")),
        Column("lot_quantity", gettext_lazy("Lot quantity"), numeric=True, shown=trimmed),
        Column("safety_stock", gettext_lazy("Safety stock"), numeric=True, shown=trimmed),
    ]
    sorts = {"newest": SortKey("id", gettext_lazy("Newest"), descending=True)}
    default_sort = "newest"
    create_url_name = "planning:lot_create"
    create_label = gettext_lazy("New lot sizing")
    export_url_name = "planning:lot_export"

    def decorate(self, rows: QuerySet[ProductPlanning]) -> QuerySet[ProductPlanning]:
        return rows.select_related("product")


class ProductPlanningDetailView(ObjectDetailView):
    model = ProductPlanning
    edit_url_name = "planning:lot_edit"
    list_url_name = "planning:lot_list"
    fields = ["product", "policy", "lot_quantity", "safety_stock", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[ProductPlanning]:
        return super().get_queryset().select_related("product")


class ProductPlanningCreateView(ObjectCreateView):
    model = ProductPlanning
    form_class = ProductPlanningForm
    title = gettext_lazy("New lot sizing")
    service = mrp_services.create_product_planning
    list_url_name = "planning:lot_list"


class ProductPlanningEditView(ObjectEditView):
    model = ProductPlanning
    form_class = ProductPlanningForm
    service = mrp_services.update_product_planning


def pegging_panel(record: Any, request: HttpRequest) -> str | None:
    """The demands MRP planned a planned order for — shown on it, and on the manufacturing order
    or purchase request it was released into: each delivery or component move with the quantity
    it gets, and what is for no demand."""
    found = queries.pegging(record)
    if found is None or (not found.pegs and not found.free):
        return None
    return render_to_string("planning/_pegging.html", {"pegging": found}, request=request)
