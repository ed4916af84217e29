"""Account, journal and journal-entry forms (an entry with its lines as a formset)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    Account,
    AccountGroup,
    CostCentre,
    Journal,
    JournalEntry,
)
from tandem.accounting.services.ledger import ACCOUNT_FIELDS, JOURNAL_FIELDS, Line
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, form_rows, style_fields

ENTRY_FIELDS = ["journal", "date", "reference", "narration"]
LINE_ROWS = 2  # empty rows offered below an entry's lines (a new entry: a debit and a credit)


class AccountForm(ServiceModelForm):
    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("group").queryset = AccountGroup.objects.visible_to(user)


class JournalForm(ServiceModelForm):
    class Meta:
        model = Journal
        fields = JOURNAL_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("default_account").queryset = Account.objects.visible_to(user).filter(active=True)


def _amount_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, min_value=0,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "class": "text-end"}),
    )  # fmt: skip


class LineForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=Account.objects.none(),
        required=False,
        widget=AutocompleteSelect("accounting.account"),
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.none(),
        required=False,
        widget=AutocompleteSelect("accounting.partner"),
    )
    label = forms.CharField(label=_("Label"), required=False, max_length=200)
    debit = _amount_field(_("Debit"))
    credit = _amount_field(_("Credit"))
    cost_centre = forms.ModelChoiceField(
        label=_("Cost centre"), queryset=CostCentre.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:  # a row of ``form_rows``
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.visible_to(user).filter(active=True)  # type: ignore[attr-defined]
        self.fields["partner"].queryset = Partner.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["cost_centre"].queryset = CostCentre.objects.visible_to(user).filter(active=True)  # type: ignore[attr-defined]
        style_fields(self, small=True)

    def line(self) -> Line | None:
        data = self.cleaned_data
        if not data or data.get("account") is None:
            return None
        return Line(
            data["account"],
            debit=data.get("debit") or Decimal(0),
            credit=data.get("credit") or Decimal(0),
            partner=data.get("partner"),
            label=data.get("label") or "",
            cost_centre=data.get("cost_centre"),
        )


class EntryForm(ServiceModelForm):
    """The entry's header; ``lines`` is the formset of its lines, validated with it."""

    class Meta:
        model = JournalEntry
        fields = ENTRY_FIELDS
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}),
            "narration": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = self.instance.lines.all() if self.instance.pk else []
        self.lines = form_rows(
            LineForm,
            self.data if self.is_bound else None,
            prefix="lines",
            initial=[self._initial_line(line) for line in lines],
            user=getattr(self.request, "user", None),
            extra=LINE_ROWS,
        )

    @staticmethod
    def _initial_line(line: Any) -> dict[str, Any]:
        return {
            "account": line.account_id, "partner": line.partner_id, "label": line.label,
            "debit": line.debit or None, "credit": line.credit or None, "cost_centre": line.cost_centre_id,
        }  # fmt: skip

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("journal").queryset = Journal.objects.visible_to(user).filter(active=True)

    def is_valid(self) -> bool:
        return super().is_valid() & self.lines.is_valid()

    def service_data(self) -> dict[str, Any]:
        lines = self.lines.filled(lambda form: form.line())
        return {**super().service_data(), "lines": lines}


class RevaluationForm(SectionsMixin, forms.Form):
    """The day at whose rates the open foreign-currency items are restated (a month's end)."""

    date = forms.DateField(
        label=_("Revalue on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Open receivables, payables, bank and cash in other currencies are restated at the rates "
            "of this day, against the exchange gain and loss accounts; the entry is reversed the next day."
        ),
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        style_fields(self)
