"""CRM forms: shape only. ``crm.services`` validates and writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.catalog.models import Product
from tandem.core.models import Currency, User
from tandem.crm.models import Activity, Deal, LostReason, Pipeline, SalesTeam, Stage
from tandem.crm.models.rules import sees_all
from tandem.crm.services import ACTIVITY_FIELDS, DEAL_FIELDS, STAGE_FIELDS
from tandem.partners.forms import salesperson_choices
from tandem.partners.models import Partner
from tandem.web.autocomplete import AutocompleteSelect
from tandem.web.forms import SectionsMixin, ServiceModelForm, form_rows, style_fields

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def customers(user: Any) -> Any:
    return Partner.objects.visible_to(user).filter(active=True)


def products_of_interest(user: Any) -> Any:
    return Product.objects.visible_to(user).filter(active=True)


def team_choices(user: Any, current: int | None = None) -> Any:
    """The teams a deal may be given: every team of the company for the sales director, else the
    teams one is in or leads (and the deal's own, whoever chose it)."""
    rows = SalesTeam.objects.visible_to(user)
    if user is None or sees_all(user):
        return rows
    return rows.filter(Q(members=user) | Q(leader=user) | Q(pk=current)).distinct()


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


PRODUCT_ROWS = 2  # empty rows drawn below the deal's products (the editor adds more)
MAX_PRODUCTS = 100
PRODUCTS_PREFIX = "products"


class DealProductForm(forms.Form):
    """One product of interest on the deal form: the product and how many the customer asks about."""

    product = forms.ModelChoiceField(
        Product.objects.none(), label=_("Product"), required=False, widget=AutocompleteSelect("crm.product"),
        error_messages={"invalid_choice": _("Choose one of your company's active products.")},
    )  # fmt: skip
    quantity = forms.DecimalField(
        label=_("Quantity"), initial=1, required=False, max_digits=18, decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0"}),
    )  # fmt: skip

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product_field = cast(forms.ModelChoiceField, self.fields["product"])  # type: ignore[type-arg]
        self.product_field.queryset = products_of_interest(user)
        self.user = user
        style_fields(self, small=True)

    def keep(self, product_ids: set[int]) -> None:
        """The deal's own products stay choosable when they were archived since (only those)."""
        if product_ids:
            visible = Product.objects.visible_to(self.user)
            self.product_field.queryset = visible.filter(Q(active=True) | Q(pk__in=product_ids))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quantity = data.get("quantity")
        if data.get("product") is not None and quantity is not None and quantity <= 0:
            self.add_error("quantity", _("Enter a quantity above zero."))
        return data

    def interest(self) -> tuple[Product, Decimal] | None:
        """``(product, quantity)`` for the service; None for an empty row (left out: removed)."""
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("product") is None:
            return None
        quantity = data.get("quantity")
        return data["product"], Decimal(1) if quantity is None else quantity


class DealForm(ServiceModelForm):
    owner = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=User.objects.none(), required=False,
        widget=AutocompleteSelect("partners.salesperson"),
    )  # fmt: skip
    fieldsets: ClassVar = [
        (_("Deal"), ["title", "pipeline", "stage", "partner", "contact", "owner", "team", "source"]),
        (_("Value"), ["amount", "currency", "probability", "expected_close"]),
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
        else:
            self.fields["pipeline"].required = False
            self.fields["stage"].required = False
        rows = list(self.instance.products_of_interest.all()) if self.instance.pk is not None else []
        # A post without the rows (a client that knows only the deal's fields) leaves them as they are.
        self.products_posted = self.is_bound and f"{PRODUCTS_PREFIX}-TOTAL_FORMS" in self.data
        self.products = form_rows(
            DealProductForm,
            self.data if self.products_posted else None,
            prefix=PRODUCTS_PREFIX,
            initial=[{"product": row.product_id, "quantity": row.quantity} for row in rows],
            user=getattr(self.request, "user", None),
            extra=PRODUCT_ROWS,
            max_rows=MAX_PRODUCTS,
        )
        for form in self.products:  # a product the deal has keeps its row, archived since or not
            form.keep({row.product_id for row in rows})  # type: ignore[attr-defined]

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        self.choice_field("partner").queryset = customers(user)
        self.choice_field("contact").queryset = customers(user).filter(kind=Partner.Kind.PERSON)
        self.choice_field("owner").queryset = salesperson_choices(user)
        self.choice_field("team").queryset = team_choices(user, self.instance.team_id)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
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
        if self.products_posted:
            data["products"] = self.products.filled(lambda form: form.interest())
        return data

    def is_valid(self) -> bool:
        return super().is_valid() & (not self.products_posted or self.products.is_valid())


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
