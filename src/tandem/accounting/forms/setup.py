"""Forms of the books' settings pages: taxes, tax groups, fiscal positions (with their tax and
account mappings as rows below), payment terms (with their instalments as rows below), cost
centres, the company's books settings and lock date, fiscal years. Shape only; the services
(``services.taxes``, ``services.fiscal_positions``, ``services.payment_terms``,
``services.ledger``) validate and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import (
    Account,
    BooksPaymentTerm,
    BooksSettings,
    CostCentre,
    FiscalPosition,
    Journal,
    PaymentTermLine,
    Tax,
    TaxGroup,
)
from tandem.accounting.services.fiscal_positions import POSITION_FIELDS, AccountMapping, TaxMapping
from tandem.accounting.services.ledger import BOOKS_ACCOUNT_SUBTYPES, BOOKS_FIELDS, COST_CENTRE_FIELDS
from tandem.accounting.services.payment_terms import TERM_FIELDS, TermLine
from tandem.accounting.services.taxes import TAX_ACCOUNTS, TAX_FIELDS, TAX_GROUP_FIELDS
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, form_rows, style_fields


class TaxForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Tax"), ["name", "label", "use", "scope", "group", "sequence", "active"]),
        (_("Computation"), ["computation", "amount", "price_included", "affects_base", "children"]),
        (_("Posting"), ["account", "refund_account", "reverse_charge_account", "report_box"]),
    ]

    class Meta:
        model = Tax
        fields = list(TAX_FIELDS)
        widgets = {name: AutocompleteSelect("accounting.account") for name in TAX_ACCOUNTS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("group").queryset = TaxGroup.objects.visible_to(user)
        children = Tax.objects.visible_to(user).exclude(computation=Tax.Computation.GROUP)
        if self.instance.pk is not None:
            children = children.exclude(pk=self.instance.pk)
        self.choice_field("children").queryset = children
        for name in TAX_ACCOUNTS:  # any account: the service says why a non-tax one is refused
            self.choice_field(name).queryset = Account.objects.visible_to(user).filter(active=True)


class TaxGroupForm(ServiceModelForm):
    class Meta:
        model = TaxGroup
        fields = list(TAX_GROUP_FIELDS)


MAP_ROWS = 3  # empty rows offered below a fiscal position's mappings


class TaxMappingForm(forms.Form):
    source = forms.ModelChoiceField(Tax.objects.none(), label=_("Tax"), required=False)
    target = forms.ModelChoiceField(
        Tax.objects.none(), label=_("Replaced by"), required=False, empty_label=_("— (dropped)")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = Tax.objects.visible_to(user)  # archived ones too: a mapping may still name one
        for name in ("source", "target"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = rows  # type: ignore[type-arg]
        style_fields(self, small=True)

    def mapping(self) -> TaxMapping | None:
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("source") is None:
            return None  # an empty row
        return TaxMapping(data["source"], data.get("target"))


class AccountMappingForm(forms.Form):
    source = forms.ModelChoiceField(Account.objects.none(), label=_("Account"), required=False)
    target = forms.ModelChoiceField(Account.objects.none(), label=_("Replaced by"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = Account.objects.visible_to(user)  # archived ones too: a mapping may still name one
        for name in ("source", "target"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = rows  # type: ignore[type-arg]
        style_fields(self, small=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") is not None and data.get("target") is None:
            self.add_error("target", _("Choose the account that replaces it."))
        return data

    def mapping(self) -> AccountMapping | None:
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("source") is None or data.get("target") is None:
            return None
        return AccountMapping(data["source"], data["target"])


class FiscalPositionForm(ServiceModelForm):
    """The position, and its tax and account mappings as two sets of rows below it (the rows it
    has plus empty ones; an empty row is left out)."""

    fieldsets: ClassVar = [
        (_("Fiscal position"), ["name", "kind", "sequence", "note", "active"]),
        (_("Detected automatically"), ["auto_apply", "countries", "vat_required"]),
    ]

    class Meta:
        model = FiscalPosition
        fields = list(POSITION_FIELDS)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)
        user = getattr(self.request, "user", None)
        data = self.data if self.is_bound else None
        position = self.instance if self.instance.pk else None
        self.tax_map = form_rows(
            TaxMappingForm,
            data,
            prefix="tax_map",
            initial=[
                {"source": row.source_id, "target": row.target_id}
                for row in (position.tax_map.order_by("pk") if position else [])
            ],
            user=user,
            extra=MAP_ROWS,
        )
        self.account_map = form_rows(
            AccountMappingForm,
            data,
            prefix="account_map",
            initial=[
                {"source": row.source_id, "target": row.target_id}
                for row in (position.account_map.order_by("pk") if position else [])
            ],
            user=user,
            extra=MAP_ROWS,
        )

    def is_valid(self) -> bool:
        return super().is_valid() & self.tax_map.is_valid() & self.account_map.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["tax_map"] = self.tax_map.filled(lambda form: form.mapping())
        data["account_map"] = self.account_map.filled(lambda form: form.mapping())
        return data


class TermLineForm(forms.Form):
    value = forms.ChoiceField(
        label=_("Amount"), choices=[("", "—"), *PaymentTermLine.Value.choices], required=False
    )
    amount = forms.DecimalField(
        label=_("Percent or amount"), max_digits=16, decimal_places=4, min_value=0, required=False
    )
    days = forms.IntegerField(label=_("Days after the invoice date"), min_value=0, initial=0, required=False)
    end_of_month = forms.BooleanField(label=_("Then to the end of the month"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:  # a row of ``form_rows``
        super().__init__(*args, **kwargs)
        style_fields(self, small=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        value = data.get("value")
        if (
            value in (PaymentTermLine.Value.PERCENT, PaymentTermLine.Value.FIXED)
            and data.get("amount") is None
        ):
            self.add_error("amount", _("Give the percent or the amount of this instalment."))
        return data

    def line(self) -> TermLine | None:
        data = getattr(self, "cleaned_data", None) or {}
        if not data.get("value"):
            return None  # an empty row
        return TermLine(
            value=data["value"],
            amount=data.get("amount") or Decimal(0),
            days=data.get("days") or 0,
            end_of_month=bool(data.get("end_of_month")),
        )


class PaymentTermForm(ServiceModelForm):
    """The term, and its instalments as rows below it, in order (an empty row is left out)."""

    class Meta:
        model = BooksPaymentTerm
        fields = list(TERM_FIELDS)
        help_texts = {
            "days": _("When the term has no instalments: due this many days after the invoice date.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        term = self.instance if self.instance.pk else None
        self.lines = form_rows(
            TermLineForm,
            self.data if self.is_bound else None,
            prefix="lines",
            initial=[
                {
                    "value": line.value,
                    "amount": line.amount,
                    "days": line.days,
                    "end_of_month": line.end_of_month,
                }
                for line in (PaymentTermLine.objects.filter(term=term) if term else [])
            ],
            user=getattr(self.request, "user", None),
            extra=MAP_ROWS,
        )

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        data["lines"] = self.lines.filled(lambda form: form.line())
        return data


class CostCentreForm(ServiceModelForm):
    class Meta:
        model = CostCentre
        fields = list(COST_CENTRE_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        parents = CostCentre.objects.visible_to(user).filter(active=True)
        if self.instance.pk is not None:
            parents = parents.exclude(pk=self.instance.pk)
        self.choice_field("parent").queryset = parents


class BooksSettingsForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Rounding and write-offs"), ["tax_rounding", "write_off_tolerance", "write_off_account"]),
        (
            _("Default accounts"),
            ["receivable_account", "payable_account", "income_account", "expense_account",
             "customer_advances_account"],
        ),
        (
            _("Exchange differences and closing"),
            ["exchange_gain_account", "exchange_loss_account", "exchange_journal", "revalue_at_period_end",
             "bank_suspense_account", "earnings_account"],
        ),
    ]  # fmt: skip

    class Meta:
        model = BooksSettings
        fields = list(BOOKS_FIELDS)
        widgets = {name: AutocompleteSelect("accounting.account") for name in BOOKS_ACCOUNT_SUBTYPES}

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        for name in BOOKS_ACCOUNT_SUBTYPES:  # any account: the service says why a wrong kind is refused
            self.choice_field(name).queryset = Account.objects.visible_to(user).filter(active=True)
        self.choice_field("exchange_journal").queryset = Journal.objects.visible_to(user).filter(active=True)


class LockDateForm(SectionsMixin, forms.Form):
    lock_date = forms.DateField(
        label=_("Lock date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Nothing is posted on or before this date. Empty: the books are open."),
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        style_fields(self)


class FiscalYearForm(SectionsMixin, forms.Form):
    start = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The first day of a month; the year runs twelve months with one period per month."),
    )
    name = forms.CharField(
        label=_("Name"), max_length=32, required=False, help_text=_("Empty: from its dates.")
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ProductAccountingForm(SectionsMixin, forms.Form):
    """A product's default taxes and accounts on the books' own page (the catalogue's form
    knows nothing of the books)."""

    sale_taxes = forms.ModelMultipleChoiceField(
        label=_("Sales taxes"), queryset=Tax.objects.none(), required=False
    )
    purchase_taxes = forms.ModelMultipleChoiceField(
        label=_("Purchase taxes"), queryset=Tax.objects.none(), required=False
    )
    income_account = forms.ModelChoiceField(
        label=_("Income account"),
        queryset=Account.objects.none(),
        required=False,
        widget=AutocompleteSelect("accounting.account"),
        help_text=_("Empty: the category's, then the sales journal's."),
    )
    expense_account = forms.ModelChoiceField(
        label=_("Expense account"),
        queryset=Account.objects.none(),
        required=False,
        widget=AutocompleteSelect("accounting.account"),
        help_text=_("Empty: the category's, then the purchase journal's."),
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        rows = Tax.objects.visible_to(user).filter(active=True)
        cast(forms.ModelMultipleChoiceField, self.fields["sale_taxes"]).queryset = rows.filter(
            use=Tax.Use.SALE
        )
        cast(forms.ModelMultipleChoiceField, self.fields["purchase_taxes"]).queryset = rows.filter(
            use=Tax.Use.PURCHASE
        )
        accounts = Account.objects.visible_to(user).filter(active=True)
        for name in ("income_account", "expense_account"):  # the service says why a wrong kind is refused
            cast(forms.ModelChoiceField, self.fields[name]).queryset = accounts
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
