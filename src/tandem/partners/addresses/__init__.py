"""Free-text postal addresses (standard library only): one module per country.

``parse_address`` splits a free-form address into street, house, unit, postal code, city, region
and country; ``compose_address`` is the one way the form, the API, the import and the services
read an address from a line of text plus typed fields; ``detect_country`` returns only the
ISO 3166-1 alpha-2 country.

Each country's written forms live in its module — ``russia`` (big-to-small and small-to-big,
with or without dots after "г", "ул", "д", "корп", "кв"), ``poland`` ("ul. Długa 5/7 m. 2,
80-831 Gdańsk"), ``slovenia`` ("Slovenska cesta 15, 1000 Ljubljana"), ``germany``
("Hauptstraße 5, D-10115 Berlin"), ``china`` (Chinese script, "北京市朝阳区建国路88号…1001室",
the district going with the region, and pinyin), ``united_kingdom`` and ``united_states``;
anything else goes through ``generic``'s house-number / postal-code heuristic. ``common``
holds what they share, ``detection`` how a country is recognised: a country name in the
text, then the script or postal-code shape, then ``default_country``. Parsing never raises;
text that fits no field is kept in ``street``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from tandem.partners.addresses.china import parse_china
from tandem.partners.addresses.common import (
    ParsedAddress,
    _Draft,
    _find_country_name,
    _normalise_country_code,
    _split_segments,
)
from tandem.partners.addresses.detection import detect_country, detect_country_by_shape
from tandem.partners.addresses.generic import parse_generic
from tandem.partners.addresses.germany import GERMANY
from tandem.partners.addresses.poland import parse_poland
from tandem.partners.addresses.russia import parse_russia
from tandem.partners.addresses.slovenia import SLOVENIA
from tandem.partners.addresses.united_kingdom import parse_united_kingdom
from tandem.partners.addresses.united_states import parse_united_states

__all__ = ["ParsedAddress", "compose_address", "detect_country", "parse_address"]

COUNTRY_PARSERS: dict[str, Callable[[list[str]], _Draft]] = {
    "RU": parse_russia,
    "PL": parse_poland,
    "SI": SLOVENIA.parse,
    "CN": parse_china,
    "DE": GERMANY.parse,
    "GB": parse_united_kingdom,
    "US": parse_united_states,
}


def parse_address(text: str, default_country: str = "") -> ParsedAddress:
    """Split a free-text postal address into its fields; never raises.

    The country is taken from a country name in the text, else from its script or postal-code
    shape, else from ``default_country`` (a code or a country name).
    """
    normalised = unicodedata.normalize("NFKC", text)
    segments = _split_segments(normalised)
    if not segments:
        return ParsedAddress()
    named = _find_country_name(segments)
    if named is not None:
        country, segments = named.country, named.segments
    else:
        country = detect_country_by_shape(normalised) or _normalise_country_code(default_country)
    parser = COUNTRY_PARSERS.get(country, parse_generic)
    return parser(segments).build(country)


ADDRESS_PARTS = ("street", "house", "unit", "postal_code", "city", "region", "country")


def compose_address(
    text: str, typed: Mapping[str, Any] | None = None, default_country: str = ""
) -> dict[str, str]:
    """One address from a free-text line and typed fields — the one way the form, the API, the
    import and the services read an address.

    The line is parsed in the typed country, else in ``default_country``; every typed field
    that is filled wins over what the line gave. The country is the typed one, else the one
    the line names or looks like, else ``default_country``.
    """
    given = {name: str(typed[name]).strip() for name in ADDRESS_PARTS if typed and typed.get(name)}
    country = given.get("country") or default_country
    parsed = parse_address(text, country) if text.strip() else ParsedAddress(country=country)
    fields = {name: getattr(parsed, name) for name in ADDRESS_PARTS}
    fields.update({name: value for name, value in given.items() if value})
    fields["country"] = (_normalise_country_code(fields["country"]) or fields["country"]).upper()
    return fields
