"""Payment forms: a payment typed in, and "register a payment" on a posted invoice (a new
payment, or one already received matched against it). Shape only; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import MONEY_DIGITS, MONEY_PLACES, Journal, Payment
from tandem.accounting.services.payments import PAYMENT_FIELDS
from tandem.partners.models import BankAccount, Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, style_fields

MONEY_JOURNALS = (Journal.Kind.BANK, Journal.Kind.CASH)


def money_journals(user: Any) -> QuerySet[Journal]:
    """The bank and cash journals a payment may go through."""
    return Journal.objects.visible_to(user).filter(active=True, kind__in=MONEY_JOURNALS).order_by("code")


class PaymentForm(ServiceModelForm):
    fieldsets: ClassVar = [
        (_("Payment"), ["direction", "partner", "journal", "date", "amount", "currency"]),
        (_("Details"), ["reference", "partner_bank_account"]),
    ]

    class Meta:
        model = Payment
        fields = list(PAYMENT_FIELDS)
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "partner": AutocompleteSelect("accounting.partner"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False  # empty: the journal's, else the company's

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        partners = Partner.objects.visible_to(user)
        self.choice_field("partner").queryset = partners
        self.choice_field("journal").queryset = money_journals(user)
        self.choice_field("partner_bank_account").queryset = BankAccount.objects.filter(partner__in=partners)


class RegisterPaymentForm(SectionsMixin, forms.Form):
    """Pay a posted invoice: a new payment of ``amount`` (what is left, by default; less is a
    partial payment) through a bank or cash journal — or, with ``payment``, match a payment of
    the partner that is not matched in full yet."""

    payment = forms.ModelChoiceField(
        Payment.objects.none(),
        label=_("A payment already received"),
        required=False,
        empty_label=_("— a new payment —"),
        help_text=_("Match one of the partner's open payments instead of registering a new one."),
    )
    journal = forms.ModelChoiceField(Journal.objects.none(), label=_("Journal"), required=False)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, min_value=Decimal("0.01"),
        required=False, help_text=_("Empty: what is left to pay. Less is a partial payment."),
    )  # fmt: skip
    reference = forms.CharField(label=_("Reference"), max_length=140, required=False)
    write_off = forms.BooleanField(
        label=_("Write off a small difference"),
        required=False,
        help_text=_("Within the company's write-off tolerance."),
    )
    write_off_label = forms.CharField(
        label=_("Write-off label"),
        max_length=200,
        required=False,
        help_text=_("Empty: why it is written off (paid short, paid over)."),
    )

    def __init__(
        self, *args: Any, request: Any = None, payments: QuerySet[Payment] | None = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.request = request
        user = getattr(request, "user", None)
        self.fields["journal"].queryset = money_journals(user)  # type: ignore[attr-defined]
        self.fields["payment"].queryset = payments if payments is not None else Payment.objects.none()  # type: ignore[attr-defined]
        if not self.fields["payment"].queryset.exists():  # type: ignore[attr-defined]
            self.fields.pop("payment")
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("payment") and not data.get("journal"):
            self.add_error("journal", _("Choose the bank or cash journal the money went through."))
        return data
