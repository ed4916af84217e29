"""Reorder rules: list (with the button that runs them), detail, create, edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.planning import queries, services
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
