"""Planning forms: shape only; ``planning.services`` validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.planning.models import Forecast, ProductPlanning, ReorderRule
from tandem.planning.mrp_services import FORECAST_FIELDS, PLANNING_FIELDS
from tandem.planning.services import RULE_FIELDS
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm


class ReorderRuleForm(ServiceModelForm):
    class Meta:
        model = ReorderRule
        fields = RULE_FIELDS
        widgets = {
            "product": AutocompleteSelect("purchasing.product"),
            **{
                name: forms.NumberInput(attrs={"step": "any", "min": "0"})
                for name in ("min_quantity", "max_quantity", "multiple", "safety_stock")
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = Product.objects.visible_to(user).filter(active=True)
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)


class ForecastForm(ServiceModelForm):
    month = forms.CharField(
        label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}), help_text=_("YYYY-MM")
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.none(),
        required=False,
        label=_("Warehouse"),
        empty_label=_("The company's first warehouse"),
        help_text=_("Where the demand is expected; MRP plans the supply there."),
    )

    class Meta:
        model = Forecast
        fields = FORECAST_FIELDS
        widgets = {
            "product": AutocompleteSelect("purchasing.product"),
            "quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["month"] = self.instance.month.strftime("%Y-%m")

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = Product.objects.visible_to(user).filter(active=True)
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)


class ProductPlanningForm(ServiceModelForm):
    class Meta:
        model = ProductPlanning
        fields = PLANNING_FIELDS
        widgets = {
            "product": AutocompleteSelect("purchasing.product"),
            **{
                name: forms.NumberInput(attrs={"step": "any", "min": "0"})
                for name in ("lot_quantity", "safety_stock")
            },
        }

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = Product.objects.visible_to(user).filter(active=True)


class StartRunForm(forms.Form):
    horizon_days = forms.IntegerField(label=_("Horizon (days)"), initial=90, min_value=1, max_value=730)
