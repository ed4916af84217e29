"""Slovenia: "Slovenska cesta 15, 1000 Ljubljana"."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    _cities_after_codes,
    _code_before_city,
    _Draft,
    _european_street_parser,
    _marker_suffix_re,
    _parse_segments,
    _PostalMatch,
    _SegmentRules,
    _unit_segment_re,
)

SI_REGIONS = frozenset(
    name.casefold()
    for name in (
        "Pomurska", "Podravska", "Koroška", "Savinjska", "Zasavska", "Posavska",
        "Osrednjeslovenska", "Gorenjska", "Primorsko-notranjska", "Goriška", "Obalno-kraška",
    )
)  # fmt: skip


SI_CITIES = frozenset(
    name.casefold()
    for name in (
        "Ljubljana", "Maribor", "Celje", "Kranj", "Koper", "Velenje", "Novo mesto", "Ptuj",
        "Nova Gorica", "Murska Sobota", "Kamnik", "Jesenice", "Domžale", "Škofja Loka",
        "Izola", "Piran", "Postojna", "Bled", "Trbovlje",
    )
)  # fmt: skip


SI_UNIT_TYPES = ("stanovanje", "stan")


_SI_STREET_WORD_RE = re.compile(r"(?<!\w)(?:cesta|ulica|trg|pot|nabrežje|c\.)(?!\w)", re.IGNORECASE)


def _looks_slovenian(text: str) -> bool:
    """A 4-digit code before the city plus a Slovene street word or a Slovene city."""
    cities = _cities_after_codes(text, 4)
    if not cities:
        return False
    return _SI_STREET_WORD_RE.search(text) is not None or any(c in SI_CITIES for c in cities)


_SI_POSTAL_RE = re.compile(r"(?<![\w-])(?P<prefix>SI\s?-?\s?)?(?P<code>\d{4})(?![\w/-])", re.IGNORECASE)


def _find_slovenian_postal(segment: str) -> _PostalMatch | None:
    return _code_before_city(_SI_POSTAL_RE, segment)


def _match_slovenian_region(segment: str) -> str:
    return segment if segment.casefold() in SI_REGIONS else ""


_SI_UNIT_SUFFIX_RE = _marker_suffix_re(SI_UNIT_TYPES)


SLOVENIA_RULES = _SegmentRules(
    find_postal=_find_slovenian_postal,
    match_region=_match_slovenian_region,
    parse_street=_european_street_parser(_SI_UNIT_SUFFIX_RE),
    unit_segment_re=_unit_segment_re(SI_UNIT_TYPES),
)


def parse_slovenia(segments: list[str]) -> _Draft:
    return _parse_segments(segments, SLOVENIA_RULES)
