"""Settings-area forms: shape only; ``administration.services`` validates and writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from tandem.administration import services
from tandem.core.countries import country_choices
from tandem.core.models import Company, Currency, User
from tandem.core.roles import role_label
from tandem.web.forms import SectionsMixin, ServiceModelForm, style_fields

MONTHS = [
    (1, _("January")), (2, _("February")), (3, _("March")), (4, _("April")), (5, _("May")),
    (6, _("June")), (7, _("July")), (8, _("August")), (9, _("September")), (10, _("October")),
    (11, _("November")), (12, _("December")),
]  # fmt: skip


def language_choices(blank: str | None = None) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(code, name) for code, name in settings.LANGUAGES]
    return [("", blank), *choices] if blank is not None else choices


class RoleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return role_label(obj.name)


class PlainForm(SectionsMixin, forms.Form):
    """A form rendered by ``web/_form.html``; takes ``request`` like the model forms."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        kwargs.pop("instance", None)
        self.request = request
        super().__init__(*args, **kwargs)
        style_fields(self)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class InviteForm(PlainForm):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    username = forms.CharField(
        label=_("User name"), max_length=150, required=False, help_text=_("Leave empty to use the e-mail.")
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices(""))
    roles = RoleChoiceField(
        label=_("Roles"),
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class UserForm(ServiceModelForm):
    roles = RoleChoiceField(
        label=_("Roles"),
        queryset=Group.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    companies = forms.ModelMultipleChoiceField(
        label=_("Allowed companies"),
        queryset=Company.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices(""))
    fieldsets: ClassVar = [
        (_("Person"), ["first_name", "last_name", "email", "language"]),
        (_("Access"), ["roles", "companies", "active_company"]),
    ]

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language", "active_company"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["roles"] = list(self.instance.groups.all())
            self.initial["companies"] = list(self.instance.companies.all())

    def limit_choices(self) -> None:
        actor = self.request.user
        scope = services.administered_companies(actor)
        ids = [c.pk for c in scope]
        self.fields["companies"].queryset = Company.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
        allowed = set(self.instance.companies.values_list("pk", flat=True)) if self.instance.pk else set()
        self.choice_field("active_company").queryset = Company.objects.filter(pk__in=set(ids) | allowed)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "email": data.get("email", ""),
            "language": data.get("language", ""),
            "roles": list(data.get("roles") or []),
            "companies": list(data.get("companies") or []),
            "active_company": data.get("active_company"),
        }


class CompanyForm(ServiceModelForm):
    country = forms.ChoiceField(label=_("Country"), choices=country_choices, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=language_choices())
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"), choices=MONTHS, coerce=int, initial=1
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    logo = forms.ImageField(
        label=_("Logo"), required=False, help_text=_("PNG, JPEG, GIF or WebP, at most 2 MB.")
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    fieldsets: ClassVar = [
        (
            _("Company"),
            ["name", "code", "currency", "language", "fiscal_year_start_month", "logo", "remove_logo"],
        ),
        (_("Address"), ["street", "house", "postal_code", "city", "region", "country"]),
        (_("Identification"), ["tax_id", "vat_id", "registry_id"]),
        (_("Contact"), ["email", "phone", "website"]),
        (_("Bank"), ["bank_name", "iban", "bic"]),
        (_("Sales"), ["unowned_customers_team"]),
        (_("Security"), ["require_two_factor"]),
    ]

    class Meta:
        model = Company
        fields = ["name", "code", *[f for f in services.COMPANY_FIELDS if f != "name"]]
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("code")
        else:
            self.fields.pop("remove_logo")
            self.fields["code"].help_text = _("A short unique code, e.g. “acme-pl”.")
        self.fields["logo"].widget = forms.FileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        )
        self.fields["logo"].widget.attrs["class"] = "form-control"

    def limit_choices(self) -> None:
        self.choice_field("currency").queryset = Currency.objects.filter(active=True)

    def service_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data[name] for name in self._meta.fields or () if name in self.cleaned_data
        }
        logo = self.cleaned_data.get("logo")
        data["logo"] = logo if logo and hasattr(logo, "content_type") else None
        if self.instance.pk:
            data["remove_logo"] = bool(self.cleaned_data.get("remove_logo")) or logo is False
        return data


class RoleCreateForm(PlainForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    copy_from = forms.ModelChoiceField(
        label=_("Start from the permissions of"),
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label=_("No permissions"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["copy_from"]
        field.label_from_instance = lambda group: role_label(group.name)  # type: ignore[attr-defined]


class TokenForm(PlainForm):
    name = forms.CharField(
        label=_("Name"), max_length=64, help_text=_("What will use it, e.g. “Webshop sync”.")
    )


class CodeForm(PlainForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def sections(self) -> Iterator[tuple[str, list[forms.BoundField]]]:
        yield "", [self["code"]]
