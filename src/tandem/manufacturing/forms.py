"""Manufacturing forms: shape only; ``manufacturing.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Uom
from tandem.inventory.models import Warehouse
from tandem.manufacturing.models import Bom, ManufacturingOrder, Operation, QualityPoint, Routing, WorkCentre
from tandem.manufacturing.services import (
    BOM_FIELDS,
    CENTRE_FIELDS,
    ORDER_FIELDS,
    POINT_FIELDS,
    ByProductData,
    LineData,
    OperationData,
)
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, form_rows, style_fields

ROWS = 3
PRODUCTS = "manufacturing.product"


def _products(user: Any) -> Any:
    return Product.objects.visible_to(user).filter(active=True).exclude(kind=Product.Kind.SERVICE)


def _formset(
    form_class: type[forms.Form], data: Any, prefix: str, initial: list[dict[str, Any]], user: Any
) -> Any:
    return form_rows(form_class, data, prefix=prefix, initial=initial, user=user, extra=ROWS)


class _RowForm(forms.Form):
    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.limit(user)
        style_fields(self, small=True)

    def limit(self, user: Any) -> None:
        product = self.fields.get("product")
        if isinstance(product, forms.ModelChoiceField):
            product.queryset = _products(user)


class WorkCentreForm(ServiceModelForm):
    class Meta:
        model = WorkCentre
        fields = CENTRE_FIELDS
        widgets = {"capacity_hours": forms.NumberInput(attrs={"step": "any", "min": "0"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)


# --- routings ----------------------------------------------------------------------------------


class OperationForm(_RowForm):
    name = forms.CharField(label=_("Operation"), max_length=100, required=False)
    work_centre = forms.ModelChoiceField(WorkCentre.objects.none(), label=_("Work centre"), required=False)
    setup_minutes = forms.DecimalField(
        label=_("Setup (minutes)"), required=False, max_digits=18, decimal_places=4
    )
    run_minutes = forms.DecimalField(
        label=_("Run (minutes a unit)"), required=False, max_digits=18, decimal_places=4
    )

    def limit(self, user: Any) -> None:
        centre = self.fields["work_centre"]
        assert isinstance(centre, forms.ModelChoiceField)
        centre.queryset = WorkCentre.objects.visible_to(user).filter(active=True)

    def row(self) -> OperationData | None:
        data = getattr(self, "cleaned_data", None)
        if not data or not (data.get("name") or data.get("work_centre")):
            return None
        return OperationData(
            data.get("name") or "",
            data.get("work_centre"),
            data.get("setup_minutes") or 0,
            data.get("run_minutes") or 0,
        )  # type: ignore[arg-type]


class RoutingForm(ServiceModelForm):
    class Meta:
        model = Routing
        fields = ["name", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)
        rows: list[Operation] = list(self.instance.operations.all()) if self.instance.pk else []
        initial = [
            {
                "name": o.name,
                "work_centre": o.work_centre_id,
                "setup_minutes": o.setup_minutes,
                "run_minutes": o.run_minutes,
            }
            for o in rows
        ]
        user = getattr(self.request, "user", None)
        self.operations = _formset(
            OperationForm, self.data if self.is_bound else None, "operations", initial, user
        )

    def is_valid(self) -> bool:
        return super().is_valid() & self.operations.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["operations"] = self.operations.filled(lambda form: form.row())
        return data


# --- bills of materials ----------------------------------------------------------------------


class BomLineForm(_RowForm):
    product = forms.ModelChoiceField(
        Product.objects.none(), label=_("Component"), required=False, widget=AutocompleteSelect(PRODUCTS)
    )
    quantity = forms.DecimalField(label=_("Quantity"), required=False, max_digits=18, decimal_places=4)
    uom = forms.ModelChoiceField(Uom.objects.all(), label=_("Unit"), required=False)
    scrap_percent = forms.DecimalField(label=_("Scrap %"), required=False, max_digits=7, decimal_places=4)

    def row(self) -> LineData | None:
        data = getattr(self, "cleaned_data", None)
        if not data or not data.get("product"):
            return None
        return LineData(
            data["product"], data.get("quantity") or 0, data.get("uom"), data.get("scrap_percent") or 0
        )


class ByProductForm(_RowForm):
    product = forms.ModelChoiceField(
        Product.objects.none(), label=_("By-product"), required=False, widget=AutocompleteSelect(PRODUCTS)
    )
    quantity = forms.DecimalField(label=_("Quantity"), required=False, max_digits=18, decimal_places=4)
    uom = forms.ModelChoiceField(Uom.objects.all(), label=_("Unit"), required=False)
    cost_share = forms.DecimalField(
        label=_("Share of the cost %"), required=False, max_digits=7, decimal_places=4
    )

    def row(self) -> ByProductData | None:
        data = getattr(self, "cleaned_data", None)
        if not data or not data.get("product"):
            return None
        return ByProductData(
            data["product"], data.get("quantity") or 0, data.get("uom"), data.get("cost_share") or 0
        )


class BomForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Bill of materials"), ["reference", "product", "kind", "quantity", "routing"]),
        (_("Validity"), ["revision", "valid_from", "valid_to", "active"]),
    ]

    class Meta:
        model = Bom
        fields = BOM_FIELDS
        widgets = {
            "product": AutocompleteSelect(PRODUCTS),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
            "quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reference"].required = False
        self.fields["revision"].required = False
        if self.instance.pk is None:
            self.fields.pop("active", None)
        user = getattr(self.request, "user", None)
        bom = self.instance if self.instance.pk else None
        lines = [
            {
                "product": r.product_id,
                "quantity": r.quantity,
                "uom": r.uom_id,
                "scrap_percent": r.scrap_percent,
            }
            for r in (bom.lines.all() if bom else [])
        ]
        byproducts = [
            {"product": r.product_id, "quantity": r.quantity, "uom": r.uom_id, "cost_share": r.cost_share}
            for r in (bom.byproducts.all() if bom else [])
        ]
        bound = self.data if self.is_bound else None
        self.lines = _formset(BomLineForm, bound, "lines", lines, user)
        self.byproducts = _formset(ByProductForm, bound, "byproducts", byproducts, user)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = _products(user)
        self.choice_field("routing").queryset = Routing.objects.visible_to(user).filter(active=True)

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid() & self.byproducts.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("reference", "revision"):
            if data.get(name) in (None, ""):
                data.pop(name, None)
        data["lines"] = self.lines.filled(lambda form: form.row())
        data["byproducts"] = self.byproducts.filled(lambda form: form.row())
        return data


# --- orders ------------------------------------------------------------------------------------


class ManufacturingOrderForm(ServiceModelForm):
    class Meta:
        model = ManufacturingOrder
        fields = [name for name in ORDER_FIELDS if name != "source"]
        widgets = {
            "product": AutocompleteSelect(PRODUCTS),
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "quantity": forms.NumberInput(attrs={"step": "any", "min": "0"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("bom", "warehouse", "due_date"):
            self.fields[name].required = False

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = _products(user)
        self.choice_field("bom").queryset = Bom.objects.visible_to(user).filter(
            active=True, kind=Bom.Kind.NORMAL
        )
        self.choice_field("warehouse").queryset = Warehouse.objects.visible_to(user).filter(active=True)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("bom", "warehouse", "due_date"):
            if data.get(name) is None:
                data.pop(name, None)
        return data


class ProduceForm(SectionsMixin, forms.Form):
    quantity = forms.DecimalField(
        label=_("Quantity made"), max_digits=18, decimal_places=4, required=False,
        help_text=_("Empty: all that is left to make. Less leaves the rest for later, or for a backorder."),
    )  # fmt: skip
    lot = forms.CharField(
        label=_("Lot"),
        max_length=64,
        required=False,
        help_text=_("For a tracked product (empty: the order's lot)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_fields(self)


class ScrapForm(SectionsMixin, forms.Form):
    product = forms.ModelChoiceField(Product.objects.none(), label=_("Product"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=4)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, products: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, forms.ModelChoiceField)
        product.queryset = products if products is not None else Product.objects.none()
        style_fields(self)


class QualityPointForm(ServiceModelForm):
    class Meta:
        model = QualityPoint
        fields = POINT_FIELDS
        widgets = {"product": AutocompleteSelect(PRODUCTS), "instructions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("product").queryset = _products(user)
        self.choice_field("operation").queryset = Operation.objects.filter(
            routing__in=Routing.objects.visible_to(user)
        ).select_related("routing")
