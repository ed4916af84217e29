"""Germany: "Hauptstraße 5, D-10115 Berlin", states."""

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

DE_STATES = frozenset(
    name.casefold()
    for name in (
        "Baden-Württemberg", "Bayern", "Bavaria", "Brandenburg", "Hessen", "Hesse",
        "Mecklenburg-Vorpommern", "Niedersachsen", "Lower Saxony", "Nordrhein-Westfalen",
        "North Rhine-Westphalia", "NRW", "Rheinland-Pfalz", "Saarland", "Sachsen", "Saxony",
        "Sachsen-Anhalt", "Schleswig-Holstein", "Thüringen", "Thuringia",
    )
)  # fmt: skip


DE_CITIES = frozenset(
    name.casefold()
    for name in (
        "Berlin", "Hamburg", "München", "Munich", "Köln", "Cologne", "Frankfurt",
        "Frankfurt am Main", "Stuttgart", "Düsseldorf", "Dortmund", "Essen", "Leipzig",
        "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg", "Bochum", "Wuppertal",
        "Bielefeld", "Bonn", "Münster", "Mannheim", "Karlsruhe", "Augsburg", "Wiesbaden",
        "Aachen", "Kiel", "Freiburg", "Heidelberg", "Potsdam", "Mainz", "Rostock", "Erfurt",
    )
)  # fmt: skip


DE_UNIT_TYPES = ("whg", "wohnung", "app", "apartment", "zimmer")


_DE_PREFIXED_POSTAL_RE = re.compile(r"(?<![\w-])DE?\s?-\s?\d{5}(?![\w-])", re.IGNORECASE)


_DE_STREET_WORD_RE = re.compile(
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ring|ufer|chaussee|steig|markt)(?!\w)",
    re.IGNORECASE,
)


def _has_german_prefixed_code(text: str) -> bool:
    return _DE_PREFIXED_POSTAL_RE.search(text) is not None


def _looks_german(text: str) -> bool:
    """A 5-digit code before the city plus a German street word or a big German city."""
    cities = _cities_after_codes(text, 5)
    if not cities:
        return False
    return _DE_STREET_WORD_RE.search(text) is not None or any(c in DE_CITIES for c in cities)


_DE_POSTAL_RE = re.compile(r"(?<![\w-])(?P<prefix>DE?\s?-\s?)?(?P<code>\d{5})(?![\w/-])", re.IGNORECASE)


def _find_german_postal(segment: str) -> _PostalMatch | None:
    return _code_before_city(_DE_POSTAL_RE, segment)


def _match_german_state(segment: str) -> str:
    return segment if segment.casefold() in DE_STATES else ""


_DE_UNIT_SUFFIX_RE = _marker_suffix_re(DE_UNIT_TYPES)


GERMANY_RULES = _SegmentRules(
    find_postal=_find_german_postal,
    match_region=_match_german_state,
    parse_street=_european_street_parser(_DE_UNIT_SUFFIX_RE),
    unit_segment_re=_unit_segment_re(DE_UNIT_TYPES),
)


def parse_germany(segments: list[str]) -> _Draft:
    return _parse_segments(segments, GERMANY_RULES)
