"""Dunning levels (the delay, fee and letter of each reminder level) and budgets (per account
× cost centre × period, warning or blocking): lists, pages, forms; a budget's amounts are set,
changed and removed from its page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tandem.accounting.forms.management import BudgetForm, BudgetLineForm, DunningLevelForm
from tandem.accounting.models import Budget, BudgetLine, DunningLevel
from tandem.accounting.services import budgets, dunning
from tandem.web.actions import Action, ActionView
from tandem.web.generic import (
    Column,
    ObjectCreateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    SortKey,
)
from tandem.web.tables import Table


class DunningLevelListView(ObjectListView):
    model = DunningLevel
    title = gettext_lazy("Dunning levels")
    columns = [
        Column("sequence", gettext_lazy("Level"), sort="sequence"),
        Column("name", gettext_lazy("Name"), link=True),
        Column("days_overdue", gettext_lazy("Days overdue"), numeric=True),
        Column("fee", gettext_lazy("Fee"), numeric=True),
        Column("send_email", gettext_lazy("By e-mail")),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"sequence": SortKey("sequence", gettext_lazy("Level"))}
    default_sort = "sequence"
    create_url_name = "accounting:dunning_level_create"
    create_label = gettext_lazy("New level")
    export_url_name = "accounting:dunning_level_export"


class DunningLevelDetailView(ObjectDetailView):
    model = DunningLevel
    edit_url_name = "accounting:dunning_level_edit"
    list_url_name = "accounting:dunning_level_list"
    fields = ["sequence", "name", "days_overdue", "fee", "send_email", "active", "subject", "body"]


class DunningLevelCreateView(ObjectCreateView):
    model = DunningLevel
    form_class = DunningLevelForm
    title = gettext_lazy("New dunning level")
    service = dunning.create_level
    list_url_name = "accounting:dunning_level_list"


class DunningLevelEditView(ObjectEditView):
    model = DunningLevel
    form_class = DunningLevelForm
    service = dunning.update_level


# --- budgets ------------------------------------------------------------------------------


def _line_edit_url(line: BudgetLine) -> str:
    return reverse("accounting:budget_line_edit", args=[line.pk])


BUDGET_LINE_COLUMNS = [
    Column("account", gettext_lazy("Account"), link=_line_edit_url),
    Column("cost_centre", gettext_lazy("Cost centre")),
    Column("period", gettext_lazy("Period")),
    Column("amount", gettext_lazy("Budget"), numeric=True),
]


class BudgetListView(ObjectListView):
    model = Budget
    title = gettext_lazy("Budgets")
    columns = [
        Column("name", gettext_lazy("Name"), link=True, sort="name"),
        Column("fiscal_year", gettext_lazy("Fiscal year")),
        Column(
            "on_exceed",
            gettext_lazy("When a posting exceeds it"),
            accessor=lambda b: b.get_on_exceed_display(),
        ),
        Column("active", gettext_lazy("Active")),
    ]
    sorts = {"name": SortKey("name", gettext_lazy("Name"))}
    default_sort = "name"
    create_url_name = "accounting:budget_create"
    create_label = gettext_lazy("New budget")
    export_url_name = "accounting:budget_export"

    def decorate(self, rows: QuerySet[Budget]) -> QuerySet[Budget]:
        return rows.select_related("fiscal_year")


class BudgetDetailView(ObjectDetailView):
    model = Budget
    template_name = "accounting/budget_detail.html"
    edit_url_name = "accounting:budget_edit"
    list_url_name = "accounting:budget_list"
    fields = ["name", "fiscal_year", "on_exceed", "active"]

    def get_queryset(self) -> QuerySet[Budget]:
        return super().get_queryset().select_related("fiscal_year")

    def get_context(self) -> dict[str, Any]:
        context = super().get_context()
        budget: Budget = self.object  # type: ignore[assignment]
        rows = budget.lines.select_related("account", "cost_centre", "period").order_by(
            "account__code", "cost_centre__code", "period__start"
        )
        context["lines"] = Table(
            BUDGET_LINE_COLUMNS, list(rows), caption=gettext_lazy("Planned amounts"), key="budget-lines"
        )
        if self.request.user.has_perm("accounting.add_budgetline"):
            context["add_line_url"] = f"{reverse('accounting:budget_line_create')}?budget={budget.pk}"
        context["against_actual_url"] = reverse("accounting:budgets")
        return context


class BudgetCreateView(ObjectCreateView):
    model = Budget
    form_class = BudgetForm
    title = gettext_lazy("New budget")
    service = budgets.create_budget
    list_url_name = "accounting:budget_list"


class BudgetEditView(ObjectEditView):
    model = Budget
    form_class = BudgetForm
    service = budgets.update_budget


class BudgetLineCreateView(ObjectCreateView):
    model = BudgetLine
    form_class = BudgetLineForm
    title = gettext_lazy("Set a budget amount")
    service = budgets.set_line
    list_url_name = "accounting:budget_list"

    def get_initial(self) -> dict[str, Any]:
        chosen = self.request.GET.get("budget", "")
        return {"budget": int(chosen)} if chosen.isdigit() else {}


class BudgetLineEditView(ObjectEditView):
    model = BudgetLine
    form_class = BudgetLineForm
    service = budgets.update_line
    template_name = "accounting/budget_line_form.html"

    def form_context(self) -> dict[str, Any]:
        if not self.request.user.has_perm("accounting.delete_budgetline"):
            return {}
        assert self.object is not None
        return {"remove_url": reverse("accounting:budget_line_remove", args=[self.object.pk])}

    def get_queryset(self) -> QuerySet[BudgetLine]:
        return super().get_queryset().select_related("budget", "account", "period", "cost_centre")


class BudgetLineActions(ActionView):
    model = BudgetLine
    url_name = "accounting:budget_line_{name}"
    actions = [
        Action(
            "remove",
            gettext_lazy("Remove"),
            lambda request, line: budgets.remove_line(line, request.user),
            done=gettext_lazy("The amount is removed from the budget."),
            permission="accounting.delete_budgetline",
            confirm=gettext_lazy("Remove this amount from the budget?"),
            style="outline-danger",
            next_url=lambda line: reverse("accounting:budget_detail", args=[line.budget_id]),
        ),
    ]
