"""The United States: states and ZIP codes, suites and house numbers first."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    _ENGLISH_UNIT_SEGMENT_RE,
    _alternation,
    _clean,
    _collapse_whitespace,
    _Draft,
    _parse_english_street,
    _parse_segments,
    _PostalMatch,
    _SegmentRules,
    _split_segments,
)

US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}


US_STATE_CODES_BY_NAME: dict[str, str] = {name.casefold(): code for code, name in US_STATES.items()}


_US_STATE_NAME_ALTERNATION = _alternation(US_STATES.values()).replace(r"\ ", r"\s+")


_US_STATE_ZIP_RE = re.compile(
    rf"(?:^|(?<=[\s,]))(?P<state>[A-Za-z]{{2}}|{_US_STATE_NAME_ALTERNATION})\.?,?\s+"
    r"(?P<code>\d{5}(?:\s?-\s?\d{4})?)$",
    re.IGNORECASE,
)


_US_ZIP_RE = re.compile(r"\d{5}(?:-\d{4})?")


def _has_us_state_and_zip(text: str) -> bool:
    for segment in _split_segments(text):
        match = _US_STATE_ZIP_RE.search(segment)
        if match and _us_state_code(match.group("state")):
            return True
    return False


def _find_us_zip(segment: str) -> _PostalMatch | None:
    if _US_ZIP_RE.fullmatch(segment):
        return _PostalMatch(code=segment, raw=segment, before="", after="")
    match = _US_STATE_ZIP_RE.search(segment)
    state = _us_state_code(match.group("state")) if match else ""
    if match is None or not state:
        return None
    code = re.sub(r"\s", "", match.group("code"))
    return _PostalMatch(code, match.group(0), _clean(segment[: match.start()]), "", state)


def _us_state_code(text: str) -> str:
    cleaned = _collapse_whitespace(text).strip(".")
    if cleaned.upper() in US_STATES and len(cleaned) == 2:
        return cleaned.upper()
    return US_STATE_CODES_BY_NAME.get(cleaned.casefold(), "")


def _match_us_state(segment: str) -> str:
    return _us_state_code(segment)


US_RULES = _SegmentRules(
    find_postal=_find_us_zip,
    match_region=_match_us_state,
    parse_street=_parse_english_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
)


def parse_united_states(segments: list[str]) -> _Draft:
    return _parse_segments(segments, US_RULES)
