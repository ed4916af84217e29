"""Partner forms: shape only. ``partners.services`` validates, normalises and writes."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core.countries import country_choices
from tandem.core.models import Currency, PaymentTerm, User
from tandem.core.querysets import allowed_company
from tandem.partners.models import Address, CustomerGroup, Partner, Tag, owner_choices
from tandem.partners.services import ADDRESS_FIELDS, EDITABLE_FIELDS
from tandem.web.autocomplete import AutocompleteSelect, AutocompleteSelectMultiple
from tandem.web.forms import ServiceModelForm, style_fields

STRUCTURED_ADDRESS = ["street", "house", "unit", "postal_code", "city", "region", "address_country"]


class PartnerForm(ServiceModelForm):
    """Every editable field of a partner (``active`` only when editing).

    Organisation, salesperson and tags search the server as one types (``tandem.web.autocomplete``;
    the sources are registered in ``partners.views``); every row the user may pick validates.
    """

    owner = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=User.objects.none(),
        required=False,
        widget=AutocompleteSelect("partners.salesperson"),
    )
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    fieldsets: ClassVar = [
        (_("Partner"), ["kind", "name", "organisation", "job_title", "is_customer", "is_supplier", "tags"]),
        (_("Contact"), ["email", "phone", "mobile", "website"]),
        (_("Identification"), ["country", "tax_id", "registry_id", "ref"]),
        (_("Sales and billing"), ["owner", "group", "language", "currency", "payment_term", "active"]),
        (_("Notes"), ["notes"]),
    ]

    class Meta:
        model = Partner
        fields = [*EDITABLE_FIELDS, "tags"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "mobile": forms.TextInput(attrs={"type": "tel"}),
            "organisation": AutocompleteSelect("partners.organisation"),
            "tags": AutocompleteSelectMultiple("partners.tag"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields.pop("active", None)

    def limit_choices(self) -> None:
        user = getattr(self.request, "user", None)
        company = allowed_company(user)
        organisations = organisation_choices(user)
        if self.instance.pk:
            organisations = organisations.exclude(pk=self.instance.pk)
        self.choice_field("organisation").queryset = organisations
        self.choice_field("tags").queryset = Tag.objects.visible_to(user)
        self.choice_field("group").queryset = CustomerGroup.objects.visible_to(user)
        self.choice_field("payment_term").queryset = PaymentTerm.objects.filter(company=company)
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)
        self.choice_field("owner").queryset = salesperson_choices(user)

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.cleaned_data}
        data["tags"] = list(self.cleaned_data.get("tags") or [])
        return data


def organisation_choices(user: Any) -> QuerySet[Partner]:
    """Organisations a person may attach a partner to: active ones they can see."""
    return Partner.objects.visible_to(user).filter(kind=Partner.Kind.ORGANISATION, active=True)


def salesperson_choices(user: Any) -> QuerySet[User]:
    """Who may look after a partner: anyone active in the company with ``view_all_partners``,
    else oneself and the people one reaches (a sales manager's team)."""
    return owner_choices(user, allowed_company(user))


class PartnerCreateForm(PartnerForm):
    """Adds the first address (one free-text line and/or structured fields) and the duplicate override."""

    address_text = forms.CharField(
        label=_("Address (one line)"),
        required=False,
        max_length=500,
        help_text=_("For example: ul. Długa 5/2, 00-001 Warszawa. Tandem splits it into street, city…"),
    )
    street = forms.CharField(label=_("Street"), required=False, max_length=200)
    house = forms.CharField(label=_("House"), required=False, max_length=32)
    unit = forms.CharField(label=_("Flat / suite"), required=False, max_length=32)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=16)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    address_country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    allow_duplicate = forms.BooleanField(label=_("I know, create anyway"), required=False)

    manual_fields: ClassVar = {"allow_duplicate"}
    fieldsets: ClassVar = [
        *PartnerForm.fieldsets[:2],
        (_("Address"), ["address_text", *STRUCTURED_ADDRESS]),
        *PartnerForm.fieldsets[2:],
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address_text"].wide = True  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        cleaned = self.cleaned_data
        address = {name: cleaned.get(name, "") for name in ADDRESS_FIELDS if name in STRUCTURED_ADDRESS}
        data["address_text"] = cleaned.get("address_text", "")
        if any(address.values()) or data["address_text"]:
            address["country"] = cleaned.get("address_country", "")
            data["addresses"] = [address]
        data["allow_duplicate"] = bool(cleaned.get("allow_duplicate"))
        return data


class AddressForm(ServiceModelForm):
    """One structured address; on adding, a free-text line may be given instead."""

    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)

    class Meta:
        model = Address
        fields = ADDRESS_FIELDS


class AddressCreateForm(AddressForm):
    address_text = forms.CharField(
        label=_("Address (one line)"),
        required=False,
        max_length=500,
        help_text=_("Fill in either this line or the fields below."),
    )

    field_order = ["address_text", *ADDRESS_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address_text"].wide = True  # type: ignore[attr-defined]


class MergeForm(forms.Form):
    """Which partners to fold into the one being looked at."""

    duplicates = forms.ModelMultipleChoiceField(
        label=_("Partners to merge into this one"),
        queryset=Partner.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one partner to merge.")},
    )

    def __init__(
        self, *args: Any, request: Any = None, survivor: Partner | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        rows = Partner.objects.visible_to(getattr(request, "user", None))
        if survivor is not None:
            rows = rows.exclude(pk=survivor.pk)
        duplicates = cast(forms.ModelMultipleChoiceField, self.fields["duplicates"])  # type: ignore[type-arg]
        duplicates.queryset = rows.filter(merged_into__isnull=True)
        style_fields(self)
