"""Purchasing forms: shape only; ``purchasing.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Currency, Uom, User
from tandem.core.money import plain
from tandem.core.querysets import allowed_company
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.purchasing.models import (
    ApprovalLevel,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequest,
    PurchaseSettings,
    SupplierPrice,
)
from tandem.purchasing.services import LEVEL_FIELDS, ORDER_HEADER, PRICE_FIELDS, OrderLineData
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm, form_rows, style_fields

LINE_ROWS = 3


def _suppliers(user: Any) -> Any:
    return Partner.objects.visible_to(user).filter(active=True, is_supplier=True)


class SupplierPriceForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Supplier price"), ["partner", "product", "supplier_sku", "active"]),
        (_("Price"), ["price", "uom", "currency", "min_quantity", "lead_time_days"]),
        (_("Validity"), ["valid_from", "valid_to"]),
    ]

    class Meta:
        model = SupplierPrice
        fields = PRICE_FIELDS
        widgets = {
            "price": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "min_quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
            "product": AutocompleteSelect("purchasing.product"),
            "partner": AutocompleteSelect("purchasing.supplier"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False  # empty: the supplier's, else the company's
        self.fields["uom"].required = False  # empty: the product's own unit
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = _suppliers(user)
        self.choice_field("product").queryset = Product.objects.visible_to(user).filter(active=True)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
        self.choice_field("uom").queryset = Uom.objects.select_related("category")

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if data.get("currency") is None:
            data.pop("currency", None)
        return data


class PurchaseRequestForm(ServiceModelForm):
    class Meta:
        model = PurchaseRequest
        fields = ["product", "quantity", "uom", "needed_by", "warehouse", "partner", "origin"]
        widgets = {
            "needed_by": forms.DateInput(attrs={"type": "date"}),
            "quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "product": AutocompleteSelect("purchasing.product"),
            "partner": AutocompleteSelect("purchasing.supplier"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uom"].required = False

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = _suppliers(user)
        self.choice_field("product").queryset = Product.objects.visible_to(user).filter(active=True)
        self.choice_field("uom").queryset = Uom.objects.select_related("category")
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.none(),
        label=_("Product"),
        required=False,
        widget=AutocompleteSelect("purchasing.product"),
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), initial=1, max_digits=18, decimal_places=4)
    price_unit = forms.DecimalField(
        label=_("Unit price"),
        max_digits=20,
        decimal_places=4,
        required=False,
        help_text=_("Empty: the supplier's price for the quantity."),
    )
    expected_date = forms.DateField(
        label=_("Expected"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        product.queryset = Product.objects.visible_to(user).filter(active=True)
        style_fields(self, small=True)

    def line(self) -> OrderLineData | None:
        data = self.cleaned_data
        if not data or not data.get("product"):
            return None
        return OrderLineData(
            product=data["product"],
            quantity=data["quantity"],
            price_unit=data.get("price_unit"),
            description=data.get("description") or "",
            expected_date=data.get("expected_date"),
        )


class PurchaseOrderForm(ServiceModelForm):
    """The header, and the lines as a formset below it (existing lines plus empty rows)."""

    fieldsets: ClassVar = [
        (_("Request for quotation"), ["partner", "currency", "warehouse", "order_date", "expected_date"]),
        (_("Reference"), ["supplier_reference", "notes"]),
    ]

    class Meta:
        model = PurchaseOrder
        fields = ORDER_HEADER
        widgets = {
            "order_date": forms.DateInput(attrs={"type": "date"}),
            "expected_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "partner": AutocompleteSelect("purchasing.supplier"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["order_date"].required = False
        user = getattr(self.request, "user", None)
        lines: list[PurchaseOrderLine] = list(self.instance.lines.all()) if self.instance.pk else []
        initial = [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                "expected_date": line.expected_date,
            }
            for line in lines
        ]
        self.lines = form_rows(
            OrderLineForm, self.data if self.is_bound else None, prefix="lines", initial=initial, user=user,
            extra=LINE_ROWS,
        )  # fmt: skip

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = _suppliers(user)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("currency", "order_date", "warehouse"):
            if data.get(name) is None:
                data.pop(name, None)
        data["lines"] = self.lines.filled(lambda form: form.line())
        return data


class ReceiveForm(forms.Form):
    """A quantity received per open line of the order, prefilled with what is still expected."""

    def __init__(self, *args: Any, statuses: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.statuses = statuses
        for status in statuses:
            self.fields[f"line_{status.line.pk}"] = forms.DecimalField(
                label=str(status.line.product),
                min_value=0,
                max_digits=18,
                decimal_places=4,
                initial=status.to_receive,
                required=False,
                help_text=_("Ordered %(ordered)s, received %(received)s")
                % {"ordered": plain(status.ordered), "received": plain(status.received)},
            )
        style_fields(self)

    def quantities(self) -> dict[int, Any]:
        return {
            status.line.pk: self.cleaned_data.get(f"line_{status.line.pk}") or 0 for status in self.statuses
        }


class ApprovalLevelForm(ServiceModelForm):
    class Meta:
        model = ApprovalLevel
        fields = list(LEVEL_FIELDS)
        widgets = {"min_amount": forms.NumberInput(attrs={"step": "any", "min": "0"})}

    def limit_choices(self) -> None:
        company = allowed_company(getattr(self.request, "user", None))
        self.choice_field("approver").queryset = (
            User.objects.filter(companies=company, is_active=True).order_by("first_name", "last_name", "id")
            if company is not None
            else User.objects.none()
        )


class PurchaseSettingsForm(ServiceModelForm):
    class Meta:
        model = PurchaseSettings
        fields = ["receipt_tolerance"]
        widgets = {"receipt_tolerance": forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"})}
