"""Accounting forms: shape only; ``accounting.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Account, FiscalPosition, Invoice, Tax
from tandem.accounting.services.invoices import HEADER_FIELDS, LineData
from tandem.catalog.models import Product
from tandem.core.models import PaymentTerm
from tandem.partners.models import Partner
from tandem.web.forms import ServiceModelForm, form_rows, style_fields

LINE_ROWS = 3  # empty rows offered below the invoice's lines


class InvoiceLineForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)  # the draft's line it changes
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    product = forms.ModelChoiceField(Product.objects.none(), label=_("Product"), required=False)
    quantity = forms.DecimalField(label=_("Quantity"), initial=1, max_digits=18, decimal_places=4)
    price_unit = forms.DecimalField(label=_("Unit price"), max_digits=20, decimal_places=4, initial=0)
    discount = forms.DecimalField(label=_("Discount %"), max_digits=7, decimal_places=4, initial=0)
    account = forms.ModelChoiceField(Account.objects.none(), label=_("Account"), required=False)
    taxes = forms.ModelMultipleChoiceField(Tax.objects.none(), label=_("Taxes"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        account = self.fields["account"]
        tax = self.fields["taxes"]
        assert isinstance(product, forms.ModelChoiceField) and isinstance(account, forms.ModelChoiceField)
        assert isinstance(tax, forms.ModelMultipleChoiceField)
        product.queryset = Product.objects.visible_to(user).filter(active=True)
        account.queryset = Account.objects.visible_to(user).filter(active=True)
        tax.queryset = Tax.objects.visible_to(user).filter(active=True).exclude(computation="group")
        style_fields(self, small=True)

    def line(self) -> LineData | None:
        data = self.cleaned_data
        if not data or not (data.get("description") or data.get("product")):
            return None
        return LineData(
            id=data.get("id"),
            description=data.get("description") or "",
            quantity=data["quantity"],
            price_unit=data["price_unit"],
            discount=data.get("discount") or 0,
            product=data.get("product"),
            account=data.get("account"),
            taxes=list(data["taxes"]) or None,
        )


class InvoiceForm(ServiceModelForm):
    """The header, and the lines as a formset below it (existing lines plus empty rows)."""

    fieldsets: ClassVar = [
        (_("Invoice"), ["kind", "partner", "invoice_date", "accounting_date", "currency"]),
        (_("Terms"), ["payment_term", "fiscal_position", "payment_reference", "supplier_reference"]),
        (_("Notes"), ["notes"]),
    ]

    class Meta:
        model = Invoice
        fields = ["kind", *HEADER_FIELDS]
        widgets = {
            "invoice_date": forms.DateInput(attrs={"type": "date"}),
            "accounting_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("origin", None)
        if self.instance.pk is not None:
            self.fields.pop("kind")
        self.fields["currency"].required = False  # empty: the partner's, else the company's
        user = getattr(self.request, "user", None)
        initial = [
            {
                "id": line.pk, "description": line.description, "product": line.product_id,
                "quantity": line.quantity,
                "price_unit": line.price_unit, "discount": line.discount, "account": line.account_id,
                "taxes": [t.pk for t in line.taxes.all()],
            }
            for line in (self.instance.lines.all() if self.instance.pk else [])
        ]  # fmt: skip
        self.lines = form_rows(
            InvoiceLineForm, self.data if self.is_bound else None, prefix="lines", initial=initial, user=user,
            extra=LINE_ROWS,
        )  # fmt: skip

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = Partner.objects.visible_to(user).filter(active=True)
        self.choice_field("payment_term").queryset = PaymentTerm.objects.filter(
            company=getattr(self.request, "company", None)
        )
        self.choice_field("fiscal_position").queryset = FiscalPosition.objects.visible_to(user)

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["lines"] = self.lines.filled(lambda form: form.line())
        return data
