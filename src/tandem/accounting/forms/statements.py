"""Bank statement forms: the upload (a file and, optionally, its bank journal), booking a line
to an account, and reading a split (open items with the amount of each) from a POST."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounting.models import Account, Journal
from tandem.core.errors import ValidationFailed
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, style_fields

MAX_SPLIT = 50


class StatementUploadForm(SectionsMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bank statement file"),
        help_text=gettext_lazy(
            "CAMT.053 (XML) or MT940, as the bank sends it. A CSV file goes through Import."
        ),
    )
    journal = forms.ModelChoiceField(
        label=gettext_lazy("Bank journal"),
        queryset=Journal.objects.none(),
        required=False,
        help_text=gettext_lazy("Empty: the journal of the statement's account (or the only bank journal)."),
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        field = self.fields["journal"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Journal.objects.visible_to(user).filter(kind=Journal.Kind.BANK, active=True)
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        return {"upload": self.cleaned_data["file"], "journal": self.cleaned_data.get("journal")}


class BookLineForm(forms.Form):
    account = forms.ModelChoiceField(
        label=gettext_lazy("Account"), queryset=Account.objects.none(),
        widget=AutocompleteSelect("accounting.account"),
    )  # fmt: skip
    label = forms.CharField(label=gettext_lazy("Label"), required=False, max_length=200)
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Partner"), queryset=Partner.objects.none(), required=False,
        widget=AutocompleteSelect("accounting.partner"),
    )  # fmt: skip

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        account, partner = self.fields["account"], self.fields["partner"]
        assert isinstance(account, forms.ModelChoiceField) and isinstance(partner, forms.ModelChoiceField)
        account.queryset = Account.objects.visible_to(user).filter(active=True)
        partner.queryset = Partner.objects.visible_to(user).filter(active=True)
        style_fields(self, small=True)

    def service_data(self) -> dict[str, Any]:
        """The cleaned data, or the form's errors as a refusal the screen shows on the line."""
        if not self.is_valid():
            raise ValidationFailed({name: [str(e) for e in errors] for name, errors in self.errors.items()})
        return {
            "account": self.cleaned_data["account"],
            "label": self.cleaned_data.get("label") or "",
            "partner": self.cleaned_data.get("partner"),
        }


class WriteOffForm(forms.Form):
    """Where the difference of a match with a write-off goes: the company's write-off account
    offered first; the open items come from the split's ticked boxes (:func:`split_data`)."""

    write_off_account = forms.ModelChoiceField(
        label=gettext_lazy("Write off the difference to"), queryset=Account.objects.none(), required=False,
        widget=AutocompleteSelect("accounting.account"),
    )  # fmt: skip
    write_off_label = forms.CharField(label=gettext_lazy("Label"), required=False, max_length=200)

    def __init__(self, *args: Any, request: Any = None, initial_account: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"write_off_account": initial_account})
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        account = self.fields["write_off_account"]
        assert isinstance(account, forms.ModelChoiceField)
        account.queryset = Account.objects.visible_to(user).filter(active=True, reconcilable=False)
        style_fields(self, small=True)

    def service_data(self) -> dict[str, Any]:
        """The account and label, or the form's errors as a refusal the screen shows on the line."""
        if not self.is_valid():
            raise ValidationFailed({name: [str(e) for e in errors] for name, errors in self.errors.items()})
        return {
            "account": self.cleaned_data.get("write_off_account"),
            "label": self.cleaned_data.get("write_off_label") or "",
        }


def split_data(data: Any) -> tuple[list[int], list[Decimal | None]]:
    """The open items of a match (``item``, repeated) and each one's ``amount-<item>`` (empty:
    what the line has left for it), from a POST."""
    items: list[int] = []
    for value in data.getlist("item")[: MAX_SPLIT + 1]:
        if not str(value).isdigit():
            raise ValidationFailed({"items": [_("Choose open items from the list.")]})
        items.append(int(value))
    if len(items) > MAX_SPLIT:
        raise ValidationFailed({"items": [_("Split a line across at most %(n)s items.") % {"n": MAX_SPLIT}]})
    amounts: list[Decimal | None] = []
    for item in items:
        raw = str(data.get(f"amount-{item}", "")).strip().replace(" ", "").replace(",", ".")
        if not raw:
            amounts.append(None)
            continue
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValidationFailed(
                {"amount": [_("“%(value)s” is not an amount.") % {"value": raw[:20]}]}
            ) from None
        amounts.append(amount)
    return items, amounts
