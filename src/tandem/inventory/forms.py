"""Inventory forms: shape only; ``inventory.services`` validates and writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Account
from tandem.catalog.models import Category, Product
from tandem.core.models import Uom
from tandem.inventory.models import (
    CategoryValuation,
    LandedCost,
    Location,
    Lot,
    Transfer,
    ValuationMethod,
    ValuationSettings,
    Warehouse,
)
from tandem.inventory.services import MoveSpec
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm, form_rows, style_fields

LINE_ROWS = 5  # rows offered for a new transfer's lines


class WarehouseForm(ServiceModelForm):
    class Meta:
        model = Warehouse
        fields = ["name", "code", "partner", "delivery_steps", "reception_steps", "active"]
        widgets = {"partner": AutocompleteSelect("inventory.partner")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("code")

    def limit_choices(self) -> None:
        self.choice_field("partner").queryset = Partner.objects.visible_to(
            getattr(self.request, "user", None)
        )


class LocationForm(ServiceModelForm):
    class Meta:
        model = Location
        fields = ["name", "parent", "kind", "barcode", "active"]
        widgets = {"parent": AutocompleteSelect("inventory.location")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("name", "parent", "kind"):
                self.fields.pop(name)
        else:
            kinds = self.fields["kind"]
            assert isinstance(kinds, forms.ChoiceField)
            kinds.choices = [(k, label) for k, label in Location.Kind.choices if k in ("internal", "view")]

    def limit_choices(self) -> None:
        if "parent" in self.fields:
            self.choice_field("parent").queryset = Location.objects.visible_to(
                getattr(self.request, "user", None)
            )


class LotForm(ServiceModelForm):
    class Meta:
        model = Lot
        fields = ["product", "name", "expiry_date"]
        widgets = {
            "product": AutocompleteSelect("inventory.product"),
            "expiry_date": forms.DateInput(attrs={"type": "date"}),
        }

    def limit_choices(self) -> None:
        self.choice_field("product").queryset = Product.objects.visible_to(
            getattr(self.request, "user", None)
        )


class MoveLineForm(forms.Form):
    product = forms.ModelChoiceField(Product.objects.none(), label=_("Product"), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=4, required=False)
    uom = forms.ModelChoiceField(Uom.objects.all(), label=_("Unit"), required=False)
    expected_date = forms.DateField(
        label=_("Expected"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        product.queryset = Product.objects.visible_to(user).filter(active=True).exclude(kind="service")
        product.widget = AutocompleteSelect("inventory.product")
        product.widget.choices = product.choices
        style_fields(self, small=True)

    def spec(self) -> MoveSpec | None:
        data = self.cleaned_data
        if not data or not data.get("product"):
            return None
        return MoveSpec(data["product"], data.get("quantity"), data.get("uom"), data.get("expected_date"))


class TransferForm(ServiceModelForm):
    """The header, and the lines as a formset below it."""

    fieldsets: ClassVar = [
        (
            _("Transfer"),
            ["kind", "warehouse", "partner", "source_location", "dest_location", "scheduled_date"],
        ),
        (_("Reference"), ["origin", "notes"]),
    ]

    class Meta:
        model = Transfer
        fields = [
            "kind",
            "warehouse",
            "partner",
            "source_location",
            "dest_location",
            "scheduled_date",
            "origin",
            "notes",
        ]
        widgets = {
            "partner": AutocompleteSelect("inventory.partner"),
            "source_location": AutocompleteSelect("inventory.location"),
            "dest_location": AutocompleteSelect("inventory.location"),
            "scheduled_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.fields["kind"]
        assert isinstance(kinds, forms.ChoiceField)
        kinds.choices = [(k, label) for k, label in Transfer.Kind.choices if k != Transfer.Kind.ADJUSTMENT]
        for name in ("source_location", "dest_location", "scheduled_date", "warehouse"):
            self.fields[name].required = False
        self.fields["source_location"].help_text = _(
            "Empty: the supplier (receipts) or the stock (deliveries)."
        )
        self.lines = form_rows(
            MoveLineForm,
            self.data if self.is_bound else None,
            prefix="lines",
            initial=[],
            user=getattr(self.request, "user", None),
            extra=LINE_ROWS,
        )

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)
        self.choice_field("partner").queryset = Partner.objects.visible_to(user)
        locations = Location.objects.visible_to(user).exclude(kind=Location.Kind.VIEW)
        self.choice_field("source_location").queryset = locations
        self.choice_field("dest_location").queryset = locations

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["lines"] = self.lines.filled(lambda form: form.spec())
        return data


class CountForm(forms.Form):
    location = forms.ModelChoiceField(Location.objects.none(), label=_("Location"))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        location.queryset = Location.objects.visible_to(getattr(request, "user", None)).filter(
            warehouse__isnull=False
        )
        location.widget = AutocompleteSelect("inventory.location")
        location.widget.choices = location.choices
        style_fields(self)

    def sections(self) -> Any:
        yield "", list(self.visible_fields())

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# --- valuation settings ------------------------------------------------------------------------

VALUATION_ACCOUNTS = (
    "stock_account", "input_account", "output_account", "cogs_account", "price_difference_account",
    "loss_account", "opening_account", "production_account", "production_cost_account",
)  # fmt: skip


class _ValuationAccountsMixin:
    """The accounts are autocompletes over the company's active accounts; the service checks
    each is of the right kind."""

    fields: dict[str, forms.Field]
    request: Any

    def limit_accounts(self) -> None:
        rows = Account.objects.visible_to(getattr(self.request, "user", None)).filter(active=True)
        for name in VALUATION_ACCOUNTS:
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = rows


class ValuationSettingsForm(_ValuationAccountsMixin, ServiceModelForm):
    class Meta:
        model = ValuationSettings
        fields = ["method", "journal", *VALUATION_ACCOUNTS]
        widgets = {name: AutocompleteSelect("accounting.account") for name in VALUATION_ACCOUNTS}

    def limit_choices(self) -> None:
        from tandem.accounting.models import Journal

        self.choice_field("journal").queryset = Journal.objects.visible_to(
            getattr(self.request, "user", None)
        )
        self.limit_accounts()


CATEGORY_ACCOUNTS = (
    "stock_account", "input_account", "output_account", "cogs_account", "price_difference_account",
)  # fmt: skip


class CategoryValuationForm(_ValuationAccountsMixin, ServiceModelForm):
    class Meta:
        model = CategoryValuation
        fields = ["category", "method", *CATEGORY_ACCOUNTS]
        widgets = {
            "category": AutocompleteSelect("catalog.category"),
            **{name: AutocompleteSelect("accounting.account") for name in CATEGORY_ACCOUNTS},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("category")
        method = self.fields["method"]
        assert isinstance(method, forms.ChoiceField)
        method.choices = [("", _("The company's")), *ValuationMethod.choices]

    def limit_choices(self) -> None:
        if "category" in self.fields:
            self.choice_field("category").queryset = Category.objects.visible_to(
                getattr(self.request, "user", None)
            )
        self.limit_accounts()


# --- landed costs --------------------------------------------------------------------------------


class LandedCostForm(ServiceModelForm):
    class Meta:
        model = LandedCost
        fields = ["receipt", "split", "date", "reference", "notes"]
        widgets = {
            "receipt": AutocompleteSelect("inventory.receipt"),
            "date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("receipt")

    def limit_choices(self) -> None:
        if "receipt" in self.fields:
            self.choice_field("receipt").queryset = done_receipts(getattr(self.request, "user", None))


def done_receipts(user: Any) -> Any:
    """The receipts a landed cost may be added to: done ones the user sees."""
    return Transfer.objects.visible_to(user).filter(kind=Transfer.Kind.RECEIPT, state=Transfer.State.DONE)


class LandedCostLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200)
    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=Account.objects.none(),
        widget=AutocompleteSelect("accounting.account"),
        help_text=_("Where the cost is owed: the carrier's or customs' payable, stock input …"),
    )
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=20, decimal_places=4, min_value=Decimal("0.0001")
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        account = self.fields["account"]
        assert isinstance(account, forms.ModelChoiceField)
        account.queryset = Account.objects.visible_to(getattr(request, "user", None)).filter(active=True)
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
