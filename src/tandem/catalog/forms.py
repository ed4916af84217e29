"""Catalogue forms: shape only. ``catalog.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Category, Product
from tandem.catalog.services import PRODUCT_FIELDS
from tandem.core.models import Uom
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm


class ProductForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Product"), ["kind", "name", "sku", "barcode", "category", "uom", "active"]),
        (_("Prices"), ["sales_price", "cost"]),
        (_("Stock"), ["tracking", "use_expiry", "allow_negative_stock", "weight", "volume"]),
        (_("Replenishment"), ["make_to_order"]),
        (_("Description"), ["description"]),
    ]

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "barcode": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "sales_price": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "cost": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "weight": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "volume": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "category": AutocompleteSelect("catalog.category"),  # registered in catalog.views
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)
        self.fields["tracking"].required = False  # empty: as it is (new: none)
        for name in ("weight", "volume"):
            self.fields[name].required = False  # empty: as it is (new: none given, 0)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if not data.get("tracking"):
            data.pop("tracking", None)
        for name in ("weight", "volume"):
            if data.get(name) is None:
                data.pop(name, None)
        return data

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("category").queryset = Category.objects.visible_to(user)
        self.choice_field("uom").queryset = Uom.objects.select_related("category")


class CategoryForm(ServiceModelForm):
    class Meta:
        model = Category
        fields = ["name", "parent"]

    def limit_choices(self) -> None:
        self.choice_field("parent").queryset = Category.objects.visible_to(
            getattr(self.request, "user", None)
        )
