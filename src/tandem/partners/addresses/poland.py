"""Poland: "ul. Długa 5/7 m. 2, 80-831 Gdańsk", voivodeships."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    _Draft,
    _european_street_parser,
    _marker_prefix_re,
    _marker_suffix_re,
    _parse_segments,
    _postal_match,
    _PostalMatch,
    _SegmentRules,
    _unit_segment_re,
)

PL_VOIVODESHIPS = frozenset(
    (
        "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie",
        "małopolskie", "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie",
        "śląskie", "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie",
        "zachodniopomorskie",
    )
)  # fmt: skip


PL_STREET_TYPES = ("ul", "ulica", "al", "aleja", "aleje", "pl", "plac", "os", "osiedle", "rondo")


PL_UNIT_TYPES = ("m", "lok", "mieszk", "mieszkanie", "lokal")


PL_REGION_TYPES = ("woj", "województwo", "wojewodztwo")


_PL_POSTAL_RE = re.compile(r"(?<![\w-])(?:PL[\s-]?)?(?P<code>\d{2}\s?-\s?\d{3})(?![\w-])")


def _has_polish_postal_code(text: str) -> bool:
    return _PL_POSTAL_RE.search(text) is not None


def _find_polish_postal(segment: str) -> _PostalMatch | None:
    match = _PL_POSTAL_RE.search(segment)
    return _postal_match(match, re.sub(r"\s", "", match.group("code"))) if match else None


_PL_REGION_PREFIX_RE = _marker_prefix_re(PL_REGION_TYPES, r"[^\W\d_]")


def _match_polish_voivodeship(segment: str) -> str:
    match = _PL_REGION_PREFIX_RE.match(segment)
    if match:
        return match.group("value")
    return segment if segment.casefold() in PL_VOIVODESHIPS else ""


_PL_UNIT_SUFFIX_RE = _marker_suffix_re(PL_UNIT_TYPES)


POLAND_RULES = _SegmentRules(
    find_postal=_find_polish_postal,
    match_region=_match_polish_voivodeship,
    parse_street=_european_street_parser(_PL_UNIT_SUFFIX_RE, slash_is_unit=True),
    unit_segment_re=_unit_segment_re(PL_UNIT_TYPES),
)


def parse_poland(segments: list[str]) -> _Draft:
    return _parse_segments(segments, POLAND_RULES)
