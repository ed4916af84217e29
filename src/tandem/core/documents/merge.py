"""Merge fields: the only data a user-edited template can see.

Each group (``partner``, ``contact``, ``company``, ``user``, ``document``) is built here
explicitly as a dict of strings — never a model instance — so a template reaches exactly
the fields listed in :data:`FIELDS` and nothing behind them.

Partners are one layer above ``core``: they are reached through the app registry by
label (``partners.Partner``), as the event log does, so this module imports nothing
upward.
"""

from __future__ import annotations

import datetime
from typing import Any

from babel import Locale, UnknownLocaleError
from django.apps import apps
from django.db.models import Model
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core.documents.sandbox import Group
from tandem.core.models import Company, User

PARTNER_MODEL = "partners.Partner"

_ADDRESS = [
    ("address", _("Address (one line)")),
    ("street", _("Street")),
    ("house", _("House")),
    ("postal_code", _("Postal code")),
    ("city", _("City")),
    ("region", _("Region")),
    ("country", _("Country")),
]

FIELDS: dict[str, tuple[Promise, list[tuple[str, Promise]]]] = {
    "partner": (
        _("Partner"),
        [
            ("name", _("Name")),
            ("email", _("E-mail")),
            ("phone", _("Phone")),
            ("mobile", _("Mobile")),
            ("website", _("Website")),
            ("tax_id", _("Tax ID")),
            ("registry_id", _("Company ID")),
            ("ref", _("External reference")),
            *_ADDRESS,
        ],
    ),
    "contact": (
        _("Contact person"),
        [
            ("name", _("Name")),
            ("job_title", _("Job title")),
            ("email", _("E-mail")),
            ("phone", _("Phone")),
            ("mobile", _("Mobile")),
        ],
    ),
    "company": (
        _("Your company"),
        [
            ("name", _("Name")),
            *_ADDRESS,
            ("tax_id", _("Tax ID")),
            ("vat_id", _("VAT ID")),
            ("registry_id", _("Company ID")),
            ("email", _("E-mail")),
            ("phone", _("Phone")),
            ("website", _("Website")),
            ("bank_name", _("Bank")),
            ("iban", _("IBAN")),
            ("bic", _("BIC")),
        ],
    ),
    "user": (
        _("You (the current user)"),
        [
            ("name", _("Name")),
            ("first_name", _("First name")),
            ("last_name", _("Last name")),
            ("email", _("E-mail")),
        ],
    ),
    "document": (
        _("Document"),
        [("date", _("Date")), ("date_short", _("Date (short)"))],
    ),
}


def field_list() -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group label, [(“partner.name”, label), …]), …]`` for the form's help panel."""
    return [
        (str(label), [(f"{group}.{name}", str(text)) for name, text in fields])
        for group, (label, fields) in FIELDS.items()
    ]


def partner_model() -> type[Model]:
    return apps.get_model(PARTNER_MODEL)


def context_for(
    *,
    company: Company,
    user: User,
    language: str,
    partner: Model | None = None,
    contact: Model | None = None,
    today: datetime.date | None = None,
) -> dict[str, Group]:
    """The merge fields for one document, formatted for ``language``."""
    today = today or timezone.localdate()
    with translation.override(language):
        return {
            "partner": Group("partner", _partner(partner, language)),
            "contact": Group("contact", _contact(contact)),
            "company": Group("company", _company(company, language)),
            "user": Group("user", _user(user)),
            "document": Group(
                "document",
                {
                    "date": formats.date_format(today, "DATE_FORMAT"),
                    "date_short": formats.date_format(today, "SHORT_DATE_FORMAT"),
                },
            ),
        }


def sample_context(*, company: Company, user: User | None, language: str) -> dict[str, Group]:
    """Every field filled with its own name in brackets: to check and preview a template."""
    return {
        group: Group(group, {name: f"[{group}.{name}]" for name, _label in fields})
        for group, (_group_label, fields) in FIELDS.items()
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _partner(partner: Model | None, language: str) -> dict[str, str]:
    values = {name: "" for name, _label in FIELDS["partner"][1]}
    if partner is None:
        return values
    for name in ("name", "email", "phone", "mobile", "website", "tax_id", "registry_id", "ref"):
        values[name] = _text(getattr(partner, name, ""))
    values.update(_address_fields(_main_address(partner), language, fallback_country=partner.country))  # type: ignore[attr-defined]
    return values


def _main_address(partner: Model) -> Model | None:
    """The default invoice address, else the first one."""
    addresses = partner.addresses.all()  # type: ignore[attr-defined]
    invoice = addresses.filter(kind="invoice").order_by("-is_default", "id").first()
    return invoice or addresses.order_by("id").first()


def _address_fields(address: Any, language: str, *, fallback_country: str = "") -> dict[str, str]:
    values = {name: _text(getattr(address, name, "")) for name, _label in _ADDRESS if name != "address"}
    code = values["country"] or fallback_country
    values["country"] = country_name(code, language)
    place = " ".join(p for p in [values["postal_code"], values["city"]] if p)
    street = " ".join(p for p in [values["street"], values["house"]] if p)
    unit = _text(getattr(address, "unit", ""))
    if unit:
        street = f"{street}/{unit}" if street else unit
    values["address"] = ", ".join(p for p in [street, place, values["region"], values["country"]] if p)
    return values


def _contact(contact: Model | None) -> dict[str, str]:
    names = [name for name, _label in FIELDS["contact"][1]]
    return {name: _text(getattr(contact, name, "")) if contact is not None else "" for name in names}


def _company(company: Company, language: str) -> dict[str, str]:
    names = [
        "name",
        "tax_id",
        "vat_id",
        "registry_id",
        "email",
        "phone",
        "website",
        "bank_name",
        "iban",
        "bic",
    ]
    values = {name: _text(getattr(company, name)) for name in names}
    values.update(_address_fields(company, language))
    return values


def _user(user: User) -> dict[str, str]:
    return {
        "name": user.display_name(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }


def country_name(code: str, language: str) -> str:
    """``PL`` → “Poland”, “Polska”, “Польша”… in the document's language."""
    if not code:
        return ""
    try:
        locale = Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return str(locale.territories.get(code.upper(), code))
