"""Lead forms: shape only; ``crm.services.leads`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Currency, User
from tandem.crm.forms import customers
from tandem.crm.models import Lead, Pipeline, Stage
from tandem.crm.services.leads import LEAD_FIELDS
from tandem.partners.forms import salesperson_choices
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import ServiceModelForm


class LeadForm(ServiceModelForm):
    owner = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.none(), required=False,
        widget=AutocompleteSelect("partners.salesperson"),
    )  # fmt: skip
    fieldsets: ClassVar = [
        (_("Lead"), ["title", "source", "owner"]),
        (_("Who"), ["company_name", "contact_name", "email", "phone"]),
        (_("Qualification"), ["budget", "currency", "need", "timeline"]),
        (_("Notes"), ["notes"]),
    ]

    class Meta:
        model = Lead
        fields = LEAD_FIELDS
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "budget": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "email": forms.EmailInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False  # else the company or contact name
        self.fields["source"].required = False
        self.fields["currency"].required = False

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("owner").queryset = salesperson_choices(user)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if self.instance.pk is None and data.get("owner") is None:
            data.pop("owner", None)
        return data


class DisqualifyForm(forms.Form):
    reason = forms.CharField(label=_("Why is it disqualified?"), max_length=500)


class ConvertForm(forms.Form):
    """Link one of the candidates (or any customer) or make a new one; open a deal."""

    NEW = "new"

    customer = forms.CharField(label=_("Customer"), required=False)
    existing = forms.ModelChoiceField(
        label=_("Another existing customer"), queryset=Partner.objects.none(), required=False,
        widget=AutocompleteSelect("crm.customer"),
    )  # fmt: skip
    open_deal = forms.BooleanField(label=_("Open a deal"), required=False, initial=True)
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none(), required=False)
    title = forms.CharField(label=_("Deal title"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=18, decimal_places=2, min_value=0, required=False
    )

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        for name, rows in (
            ("existing", customers(user)),
            ("pipeline", Pipeline.objects.visible_to(user).filter(active=True)),
            (
                "stage",
                Stage.objects.visible_to(user).filter(is_won=False, is_lost=False).select_related("pipeline"),
            ),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = rows
