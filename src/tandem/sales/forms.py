"""Sales forms: shape only; ``sales.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Currency
from tandem.crm.models import Deal
from tandem.inventory.models import Warehouse
from tandem.partners.forms import salesperson_choices
from tandem.partners.models import Partner
from tandem.sales.models import CreditLimit, SalesOrder, SalesOrderLine, SalesSettings
from tandem.sales.queries import profit
from tandem.sales.services import ORDER_HEADER, OrderLineData
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm, form_rows, style_fields

LINE_ROWS = 3


def customers(user: Any) -> Any:
    return Partner.objects.visible_to(user).filter(active=True, is_customer=True)


def deals(user: Any) -> Any:
    return Deal.objects.visible_to(user).exclude(state=Deal.State.LOST)


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.none(), label=_("Product"), required=False, widget=AutocompleteSelect("sales.product")
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), initial=1, max_digits=18, decimal_places=4)
    price_unit = forms.DecimalField(
        label=_("Unit price"),
        max_digits=20,
        decimal_places=4,
        required=False,
        help_text=_("Empty: the customer's price from the price lists."),
    )
    discount = forms.DecimalField(label=_("Discount %"), max_digits=7, decimal_places=4, required=False)
    optional = forms.BooleanField(label=_("Optional"), required=False)

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
            discount=data.get("discount") or 0,
            description=data.get("description") or "",
            optional=bool(data.get("optional")),
        )


class SalesOrderForm(ServiceModelForm):
    """The header, and the lines as a formset below it (existing lines plus empty rows)."""

    fieldsets: ClassVar = [
        (_("Quotation"), ["partner", "contact", "deal", "salesperson", "currency", "warehouse"]),
        (_("Dates"), ["order_date", "validity_date", "promised_date"]),
        (_("Reference"), ["customer_reference", "notes"]),
    ]

    class Meta:
        model = SalesOrder
        fields = ORDER_HEADER
        widgets = {
            "order_date": forms.DateInput(attrs={"type": "date"}),
            "validity_date": forms.DateInput(attrs={"type": "date"}),
            "promised_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "partner": AutocompleteSelect("sales.customer"),
            "contact": AutocompleteSelect("sales.person"),
            "deal": AutocompleteSelect("sales.deal"),
            "salesperson": AutocompleteSelect("partners.salesperson"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("currency", "order_date", "salesperson", "validity_date"):
            self.fields[name].required = False
        user = getattr(self.request, "user", None)
        lines: list[SalesOrderLine] = list(self.instance.lines.all()) if self.instance.pk else []
        initial = [
            {
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "price_unit": line.price_unit,
                "discount": line.discount,
                "optional": line.optional,
            }
            for line in lines
        ]
        self.lines = form_rows(
            OrderLineForm, self.data if self.is_bound else None, prefix="lines", initial=initial, user=user,
            extra=LINE_ROWS,
        )  # fmt: skip

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = customers(user)
        self.choice_field("contact").queryset = Partner.objects.visible_to(user).filter(
            active=True, kind=Partner.Kind.PERSON
        )
        self.choice_field("deal").queryset = deals(user)
        self.choice_field("salesperson").queryset = salesperson_choices(user)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("currency", "order_date", "salesperson", "validity_date"):
            if data.get(name) is None:
                data.pop(name, None)
        data["lines"] = self.lines.filled(lambda form: form.line())
        return data


class SalesSettingsForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Discount limits"), ["discount_limit", "manager_discount_limit"]),
        (_("Invoicing"), ["invoice_policy"]),
        (_("Quotations"), ["validity_days", "link_days", "acceptance_confirms"]),
    ]

    class Meta:
        model = SalesSettings
        fields = [
            "discount_limit",
            "manager_discount_limit",
            "invoice_policy",
            "validity_days",
            "link_days",
            "acceptance_confirms",
        ]


class CreditLimitForm(ServiceModelForm):
    class Meta:
        model = CreditLimit
        fields = ["partner", "amount"]
        widgets = {"partner": AutocompleteSelect("sales.customer")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a limit is changed for its customer, never moved to another
            self.fields["partner"].disabled = True

    def limit_choices(self) -> None:
        self.choice_field("partner").queryset = customers(getattr(self.request, "user", None))


class AnalysisForm(forms.Form):
    """The sales analysis' question: rows, optional columns, the measure the pivot shows and
    the period (either end open)."""

    rows = forms.ChoiceField(label=_("Rows"), choices=list(profit.DIMENSIONS.items()), initial="customer")
    columns = forms.ChoiceField(
        label=_("Columns"), choices=[("", _("(none)")), *profit.DIMENSIONS.items()], required=False
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=list(profit.MEASURES.items()), initial="revenue")
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        if data.get("columns") and data.get("columns") == data.get("rows"):
            self.add_error("columns", _("Choose columns other than the rows."))
        return data
