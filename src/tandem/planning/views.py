"""Reorder rules: list (with the button that runs them), detail, create, edit."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.core.querysets import allowed_company
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre
from tandem.planning import capacity, queries, scheduling, services
from tandem.planning.filters import ReorderRuleFilter
from tandem.planning.forms import ReorderRuleForm
from tandem.planning.models import ReorderRule
from tandem.web.generic import (
    Column,
    ModelView,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)


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
        Column("min_quantity", gettext_lazy("Minimum"), numeric=True, shown=lambda q: q.normalize()),
        Column("max_quantity", gettext_lazy("Maximum"), numeric=True, shown=lambda q: q.normalize()),
        Column("multiple", gettext_lazy("Multiple"), numeric=True, shown=lambda q: q.normalize()),
        Column("safety_stock", gettext_lazy("Safety stock"), numeric=True, shown=lambda q: q.normalize()),
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
