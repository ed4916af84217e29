"""The merge fields partners offer to document templates (see :mod:`tandem.core.merging`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tandem.core.merging import ADDRESS_FIELDS, MergeGroup, address_values, text
from tandem.partners.models import Address, Partner

_PARTNER_FIELDS = ["name", "email", "phone", "mobile", "website", "tax_id", "registry_id", "ref"]
_CONTACT_FIELDS = ["name", "job_title", "email", "phone", "mobile"]


def _partner(partner: Partner, language: str) -> dict[str, str]:
    values = {name: text(getattr(partner, name)) for name in _PARTNER_FIELDS}
    values.update(address_values(main_address(partner), language, fallback_country=partner.country))
    return values


def main_address(partner: Partner) -> Address | None:
    """The default invoice address, else the first one."""
    addresses = partner.addresses.all()
    invoice = addresses.filter(kind=Address.Kind.INVOICE).order_by("-is_default", "id").first()
    return invoice or addresses.order_by("id").first()


def _contact(contact: Partner, language: str) -> dict[str, str]:
    return {name: text(getattr(contact, name)) for name in _CONTACT_FIELDS}


PARTNER = MergeGroup(
    "partner",
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
        *ADDRESS_FIELDS,
    ],
    _partner,
)

CONTACT = MergeGroup(
    "contact",
    _("Contact person"),
    [
        ("name", _("Name")),
        ("job_title", _("Job title")),
        ("email", _("E-mail")),
        ("phone", _("Phone")),
        ("mobile", _("Mobile")),
    ],
    _contact,
)

GROUPS = [PARTNER, CONTACT]
