"""The payment run's form: which bank account, when, and which of the bills due to pay."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice, Journal
from tandem.accounting.services import sepa
from tandem.web.forms import SectionsMixin, style_fields

DAYS_AHEAD = 7


def _bill_label(bill: Invoice) -> str:
    flag = "" if sepa.sepa_account(bill.partner) else " — " + str(_("no valid IBAN"))
    due = bill.due_date.isoformat() if bill.due_date else ""
    return f"{bill.number} · {bill.partner} · {_('due')} {due} · {bill.amount_total} {bill.currency_id}{flag}"


class PaymentRunForm(SectionsMixin, forms.Form):
    journal = forms.ModelChoiceField(Journal.objects.none(), label=_("Pay from"))
    date = forms.DateField(label=_("Execution date"), widget=forms.DateInput(attrs={"type": "date"}))
    # Chosen above the form ("Show the bills" reloads the page with the bills due by it) and
    # carried here, so the run records the date its bills were listed by.
    due_until = forms.DateField(label=_("Bills due by"), widget=forms.HiddenInput)
    bills = forms.ModelMultipleChoiceField(
        Invoice.objects.none(), label=_("Bills to pay"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        user = getattr(request, "user", None)
        company = getattr(request, "company", None)
        journals = (
            Journal.objects.visible_to(user).filter(active=True, kind=Journal.Kind.BANK).order_by("code")
        )
        self.fields["journal"].queryset = journals  # type: ignore[attr-defined]
        until = self._due_until()
        due = sepa.due_bills(company, until) if company is not None else []
        field = self.fields["bills"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = (
            Invoice.objects.filter(pk__in=[b.pk for b in due])
            .select_related("partner")
            .order_by("due_date", "id")
        )
        field.label_from_instance = _bill_label  # type: ignore[method-assign,assignment]
        if not self.is_bound:
            self.initial.setdefault("bills", [b.pk for b in due])
        style_fields(self)

    def _due_until(self) -> datetime.date:
        raw = (self.data.get("due_until") if self.is_bound else None) or self.initial.get("due_until")
        if isinstance(raw, datetime.date):
            return raw
        try:
            return datetime.date.fromisoformat(str(raw))
        except ValueError:
            return timezone.localdate() + datetime.timedelta(days=DAYS_AHEAD)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "journal": data["journal"],
            "date": data["date"],
            "due_until": data["due_until"],
            "bills": list(data["bills"]),
        }
