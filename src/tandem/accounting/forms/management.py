"""Dunning level, budget and budget line forms: shape only; the services validate and write."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Account, Budget, BudgetLine, CostCentre, DunningLevel, FiscalYear, Period
from tandem.accounting.services.budgets import BUDGET_FIELDS
from tandem.accounting.services.dunning import LEVEL_FIELDS
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm


class DunningLevelForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Level"), ["sequence", "name", "days_overdue", "fee", "send_email", "active"]),
        (_("Letter"), ["subject", "body"]),
    ]

    class Meta:
        model = DunningLevel
        fields = list(LEVEL_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"body": _("May use {partner}, {amount}, {fee}, {days}, {date} and {company}.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)


class BudgetForm(ServiceModelForm):
    class Meta:
        model = Budget
        fields = list(BUDGET_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("fiscal_year").queryset = FiscalYear.objects.visible_to(user).order_by("-start")


class BudgetLineForm(ServiceModelForm):
    """Plan an amount: the budget, account, cost centre and period are the line's key (setting
    the same key again changes its amount); on the edit page only the amount changes."""

    class Meta:
        model = BudgetLine
        fields = ["budget", "account", "cost_centre", "period", "amount"]
        widgets = {"account": AutocompleteSelect("accounting.account")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("budget", "account", "cost_centre", "period"):
                self.fields.pop(name)

    def limit_choices(self) -> None:
        if self.instance.pk is not None:
            return
        user = getattr(self.request, "user", None)
        self.choice_field("budget").queryset = Budget.objects.visible_to(user)
        self.choice_field("account").queryset = Account.objects.visible_to(user).filter(active=True)
        self.choice_field("cost_centre").queryset = CostCentre.objects.visible_to(user)
        self.choice_field("period").queryset = (
            Period.objects.visible_to(user).select_related("fiscal_year").order_by("start")
        )
