"""Planning forms: shape only; ``planning.services`` validates and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from tandem.catalog.models import Product
from tandem.inventory.models import Warehouse
from tandem.planning.models import ReorderRule
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
