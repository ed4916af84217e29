"""Any other country: a generic house-number / postal-code heuristic."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    ENGLISH_STREET_TYPES,
    ENGLISH_UNIT_TYPES,
    _alternation,
    _Draft,
    _european_street_parser,
    _has_digits,
    _marker_suffix_re,
    _match_nothing,
    _parse_segments,
    _postal_match,
    _PostalMatch,
    _SegmentRules,
    _unit_segment_re,
)
from tandem.partners.addresses.germany import GERMANY
from tandem.partners.addresses.poland import PL_UNIT_TYPES
from tandem.partners.addresses.slovenia import SLOVENIA

_GENERIC_POSTAL_RE = re.compile(
    r"(?<![\w/-])(?P<prefix>[A-Z]{1,3}-)?(?P<code>\d{4,6}|\d{2,3}-\d{3,4})(?![\w/-])"
)


_GENERIC_STREET_WORD_RE = re.compile(
    rf"(?<!\w)(?:{_alternation(ENGLISH_STREET_TYPES)}|ulica|ul|cesta|trg|rue|via|calle|avenida"
    r"|straße|strasse|str|weg|platz|allee|gasse)(?:\.|(?!\w))",
    re.IGNORECASE,
)


def _find_generic_postal(segment: str) -> _PostalMatch | None:
    if _GENERIC_STREET_WORD_RE.search(segment):
        return None
    for match in _GENERIC_POSTAL_RE.finditer(segment):
        before, after = segment[: match.start()].strip(), segment[match.end() :].strip()
        if (after and after[0].isalpha()) or not (after or _has_digits(before)):
            return _postal_match(match, match.group("code"))
    return None


_GENERIC_UNIT_TYPES = ENGLISH_UNIT_TYPES + PL_UNIT_TYPES + GERMANY.unit_types + SLOVENIA.unit_types


_GENERIC_UNIT_SUFFIX_RE = _marker_suffix_re(_GENERIC_UNIT_TYPES)


GENERIC_RULES = _SegmentRules(
    find_postal=_find_generic_postal,
    match_region=_match_nothing,
    parse_street=_european_street_parser(_GENERIC_UNIT_SUFFIX_RE, house_first=True),
    unit_segment_re=_unit_segment_re(_GENERIC_UNIT_TYPES),
)


def parse_generic(segments: list[str]) -> _Draft:
    return _parse_segments(segments, GENERIC_RULES)
