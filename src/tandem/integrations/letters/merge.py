"""Merge fields: the only data a user-edited template can see.

Each group is a :class:`~tandem.core.merging.MergeGroup` that turns one record into a dict
of strings — never a model instance — so a template reaches exactly the declared fields and
nothing behind them. Domains declare their groups (``partners/merge_fields.py``); the groups
every document has — your company, you, the document itself — are declared here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from tandem.core.merging import ADDRESS_FIELDS, MergeGroup, address_values, declared_groups, text
from tandem.core.models import Company, User
from tandem.integrations.letters.sandbox import Group

_COMPANY_FIELDS = [
    "name", "tax_id", "vat_id", "registry_id", "email", "phone", "website", "bank_name", "iban", "bic"
]  # fmt: skip


def _company(company: Company, language: str) -> dict[str, str]:
    return {
        **{name: text(getattr(company, name)) for name in _COMPANY_FIELDS},
        **address_values(company, language),
    }


def _user(user: User, language: str) -> dict[str, str]:
    return {
        "name": user.display_name(),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
    }


def _document(today: datetime.date, language: str) -> dict[str, str]:
    return {
        "date": formats.date_format(today, "DATE_FORMAT"),
        "date_short": formats.date_format(today, "SHORT_DATE_FORMAT"),
    }


COMPANY = MergeGroup(
    "company",
    _("Your company"),
    [
        ("name", _("Name")),
        *ADDRESS_FIELDS,
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
    _company,
)
USER = MergeGroup(
    "user",
    _("You (the current user)"),
    [
        ("name", _("Name")),
        ("first_name", _("First name")),
        ("last_name", _("Last name")),
        ("email", _("E-mail")),
    ],
    _user,
)
DOCUMENT = MergeGroup(
    "document", _("Document"), [("date", _("Date")), ("date_short", _("Date (short)"))], _document
)


def groups() -> list[MergeGroup]:
    """The domains' declared groups, then your company, you and the document."""
    return [*declared_groups(), COMPANY, USER, DOCUMENT]


def field_list() -> list[tuple[str, list[tuple[str, str]]]]:
    """``[(group label, [(“partner.name”, label), …]), …]`` for the form's help panel."""
    return [
        (str(group.label), [(f"{group.name}.{name}", str(text)) for name, text in group.fields])
        for group in groups()
    ]


def context_for(
    *,
    company: Company,
    user: User,
    language: str,
    records: dict[str, Any] | None = None,
    today: datetime.date | None = None,
) -> dict[str, Group]:
    """The merge fields for one document, formatted for ``language``.

    ``records`` names the record each declared group is filled from (``{"partner": p,
    "contact": c}``); a group without one is blank.
    """
    filled_from = {
        **(records or {}),
        "company": company,
        "user": user,
        "document": today or timezone.localdate(),
    }
    with translation.override(language):
        return {
            group.name: Group(group.name, group.fill(filled_from.get(group.name), language))
            for group in groups()
        }


def sample_context(*, company: Company, user: User | None, language: str) -> dict[str, Group]:
    """Every field filled with its own name in brackets: to check and preview a template."""
    return {
        group.name: Group(group.name, {name: f"[{group.name}.{name}]" for name in group.field_names()})
        for group in groups()
    }
