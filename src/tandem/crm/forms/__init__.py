"""CRM forms: shape only. ``crm.services`` validates and writes."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Currency, User
from tandem.crm.models import Activity, Deal, LostReason, Pipeline, Stage
from tandem.crm.services import ACTIVITY_FIELDS, DEAL_FIELDS, STAGE_FIELDS
from tandem.partners.forms import salesperson_choices
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect, AutocompleteSelectMultiple
from tandem.web.forms import SectionsMixin, ServiceModelForm, style_fields

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def customers(user: Any) -> Any:
    return Partner.objects.visible_to(user).filter(active=True)


def products_of_interest(user: Any) -> Any:
    return Product.objects.visible_to(user).filter(active=True)


class PipelineForm(ServiceModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "is_default", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)


class StageForm(ServiceModelForm):
    class Meta:
        model = Stage
        fields = STAGE_FIELDS
        widgets = {"probability": forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sequence"].required = False  # empty: after the last stage

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if data.get("sequence") is None:
            data.pop("sequence", None)
        return data


class DealForm(ServiceModelForm):
    owner = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.none(), required=False,
        widget=AutocompleteSelect("partners.salesperson"),
    )  # fmt: skip
    products = forms.ModelMultipleChoiceField(
        label=_("Products of interest"), queryset=Product.objects.none(), required=False,
        widget=AutocompleteSelectMultiple("crm.product"),
        help_text=_("What the customer asks about: a quotation made from the deal starts with them."),
    )  # fmt: skip
    fieldsets: ClassVar = [
        (_("Deal"), ["title", "pipeline", "stage", "partner", "contact", "owner", "source"]),
        (_("Value"), ["amount", "currency", "probability", "expected_close", "products"]),
        (_("Notes"), ["notes"]),
    ]

    class Meta:
        model = Deal
        fields = [*DEAL_FIELDS, "pipeline", "stage"]
        widgets = {
            "partner": AutocompleteSelect("crm.customer"),
            "contact": AutocompleteSelect("crm.person"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "probability": forms.NumberInput(attrs={"step": "any", "min": "0", "max": "100"}),
            "expected_close": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["currency"].required = False
        self.fields["amount"].required = False
        if self.instance.pk is not None:  # the stage moves on the board or with the actions
            self.fields.pop("pipeline")
            self.fields.pop("stage")
            self._quantities = {
                row.product_id: row.quantity for row in self.instance.products_of_interest.all()
            }
            self.initial.setdefault("products", list(self._quantities))
        else:
            self.fields["pipeline"].required = False
            self.fields["stage"].required = False

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = customers(user)
        self.choice_field("contact").queryset = customers(user).filter(kind=Partner.Kind.PERSON)
        self.choice_field("owner").queryset = salesperson_choices(user)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
        self.choice_field("products").queryset = products_of_interest(user)
        if "pipeline" in self.fields:
            self.choice_field("pipeline").queryset = Pipeline.objects.visible_to(user).filter(active=True)
            self.choice_field("stage").queryset = Stage.objects.visible_to(user).select_related("pipeline")

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for name in ("pipeline", "stage", "currency"):
            if data.get(name) is None:
                data.pop(name, None)
        if data.get("amount") is None:
            data.pop("amount", None)
        if "products" in self.cleaned_data:  # a product kept keeps its quantity; a new one is one
            quantities = getattr(self, "_quantities", {})
            data["products"] = [(p, quantities.get(p.pk, 1)) for p in self.cleaned_data["products"]]
        return data


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Why was it lost?"), queryset=LostReason.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(request, "user", None)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ModelChoiceField)
        reason.queryset = LostReason.objects.visible_to(user).filter(active=True)


class ActivityForm(ServiceModelForm):
    """Schedule an activity (due date) or, with “done”, log what happened."""

    done = forms.BooleanField(label=_("Already done (log it)"), required=False)
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=User.objects.none(), required=False,
        widget=AutocompleteSelect("partners.salesperson"),
    )  # fmt: skip
    fieldsets: ClassVar = [
        (_("Activity"), ["kind", "subject", "deal", "partner", "assignee", "due_at", "done"]),
        (_("Outcome"), ["outcome", "duration", "notes"]),
    ]

    class Meta:
        model = Activity
        fields = [*ACTIVITY_FIELDS, "deal", "partner"]
        widgets = {
            "deal": AutocompleteSelect("crm.deal"),
            "partner": AutocompleteSelect("crm.customer"),
            "due_at": DATETIME,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]  # type: ignore[attr-defined]
        if self.instance.pk is not None:
            for name in ("deal", "partner", "done"):
                self.fields.pop(name)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("deal").queryset = Deal.objects.visible_to(user)
        self.choice_field("partner").queryset = customers(user)
        self.choice_field("assignee").queryset = salesperson_choices(user)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if "done" in self.fields:
            data["done"] = bool(self.cleaned_data.get("done"))
        return data


class CompleteForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=500)
    duration = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=0)


class SendEmailForm(SectionsMixin, forms.Form):
    """An e-mail to a customer, from the card or a deal (``crm.mail.send_email`` checks it)."""

    to = forms.CharField(
        label=_("To"), max_length=2000, help_text=_("One or more addresses, separated by commas.")
    )
    subject = forms.CharField(label=_("Subject"), max_length=255)
    text = forms.CharField(label=_("Text"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 12}))

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        addresses = [a.strip() for a in self.cleaned_data["to"].replace(";", ",").split(",") if a.strip()]
        return {"to": addresses, "subject": self.cleaned_data["subject"], "text": self.cleaned_data["text"]}


class CallSecretForm(SectionsMixin, forms.Form):
    """Nothing to fill in: the button makes a new secret."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
