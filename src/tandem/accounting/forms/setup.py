"""Forms of the books' settings pages: taxes, tax groups, cost centres, the company's books
settings and lock date, fiscal years. Shape only; the
services (``services.taxes``, ``services.ledger``) validate and write."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Account, BooksSettings, CostCentre, Journal, Tax, TaxGroup
from tandem.accounting.services.ledger import BOOKS_ACCOUNT_SUBTYPES, BOOKS_FIELDS, COST_CENTRE_FIELDS
from tandem.accounting.services.taxes import TAX_ACCOUNTS, TAX_FIELDS, TAX_GROUP_FIELDS
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, style_fields


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
            ["receivable_account", "payable_account", "income_account", "expense_account"],
        ),
        (
            _("Exchange differences and closing"),
            ["exchange_gain_account", "exchange_loss_account", "exchange_journal", "bank_suspense_account",
             "earnings_account"],
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
