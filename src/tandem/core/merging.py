"""The merge-field contract: what of its records a domain lets a document template print.

A domain declares its groups in ``<app>/merge_fields.py`` as ``GROUPS = [MergeGroup(...), …]``;
the document templates (:mod:`tandem.integrations.letters`) discover them, the way
:mod:`tandem.core.importing` specs are discovered. A group turns one record into a dict of
strings — never a model instance — so a template reaches exactly the declared fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core.countries import country_name

Fields = Sequence[tuple[str, Promise]]


@dataclass(frozen=True)
class MergeGroup:
    """``{{ <name>.<field> }}`` in a template; ``values(record, language)`` fills the fields."""

    name: str
    label: Promise
    fields: Fields
    values: Callable[[Any, str], dict[str, str]]

    def field_names(self) -> list[str]:
        return [name for name, _label in self.fields]

    def fill(self, record: Any, language: str) -> dict[str, str]:
        """Every declared field, blank when ``record`` is ``None`` or leaves it out."""
        values = dict.fromkeys(self.field_names(), "")
        if record is not None:
            values.update({k: v for k, v in self.values(record, language).items() if k in values})
        return values


def declared_groups() -> list[MergeGroup]:
    """Every installed app's declared groups, in app order."""
    groups: list[MergeGroup] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tandem."):
            continue
        try:
            module = import_module(f"{config.name}.merge_fields")
        except ModuleNotFoundError:
            continue
        groups.extend(getattr(module, "GROUPS", []))
    return groups


ADDRESS_FIELDS: Fields = [
    ("address", _("Address (one line)")),
    ("street", _("Street")),
    ("house", _("House")),
    ("postal_code", _("Postal code")),
    ("city", _("City")),
    ("region", _("Region")),
    ("country", _("Country")),
]


def text(value: Any) -> str:
    return "" if value is None else str(value)


def address_values(address: Any, language: str, *, fallback_country: str = "") -> dict[str, str]:
    """The :data:`ADDRESS_FIELDS` of anything with street, house, unit, postal code, city,
    region and country attributes (an address, a company), the country named in ``language``."""
    values = {name: text(getattr(address, name, "")) for name, _label in ADDRESS_FIELDS if name != "address"}
    values["country"] = country_name(values["country"] or fallback_country, language)
    place = " ".join(p for p in [values["postal_code"], values["city"]] if p)
    street = " ".join(p for p in [values["street"], values["house"]] if p)
    unit = text(getattr(address, "unit", ""))
    if unit:
        street = f"{street}/{unit}" if street else unit
    values["address"] = ", ".join(p for p in [street, place, values["region"], values["country"]] if p)
    return values
