"""The United Kingdom: postcodes, counties, flats and house numbers first."""

from __future__ import annotations

import re

from tandem.partners.addresses.common import (
    _ENGLISH_UNIT_SEGMENT_RE,
    _Draft,
    _parse_english_street,
    _parse_segments,
    _postal_match,
    _PostalMatch,
    _SegmentRules,
)

GB_COUNTIES = frozenset(
    name.casefold()
    for name in (
        "Bedfordshire", "Berkshire", "Buckinghamshire", "Cambridgeshire", "Cheshire",
        "City of London", "Cornwall", "County Durham", "Cumbria", "Derbyshire", "Devon",
        "Dorset", "East Riding of Yorkshire", "East Sussex", "Essex", "Gloucestershire",
        "Greater London", "Greater Manchester", "Hampshire", "Herefordshire", "Hertfordshire",
        "Isle of Wight", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
        "Middlesex", "Norfolk", "North Yorkshire", "Northamptonshire", "Northumberland",
        "Nottinghamshire", "Oxfordshire", "Rutland", "Shropshire", "Somerset",
        "South Yorkshire", "Staffordshire", "Suffolk", "Surrey", "Tyne and Wear",
        "Warwickshire", "West Midlands", "West Sussex", "West Yorkshire", "Wiltshire",
        "Worcestershire", "Anglesey", "Clwyd", "Dyfed", "Gwent", "Gwynedd", "Powys",
        "Glamorgan", "South Glamorgan", "Mid Glamorgan", "West Glamorgan", "Angus", "Argyll",
        "Fife", "Highland", "Midlothian", "East Lothian", "West Lothian", "Moray",
        "Scottish Borders",
    )
)  # fmt: skip


_UK_POSTCODE = r"(?<![A-Za-z0-9])(?P<code>GIR\s?0AA|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})(?![A-Za-z0-9])"


_UK_POSTCODE_RE = re.compile(_UK_POSTCODE, re.IGNORECASE)


_UK_POSTCODE_UPPER_RE = re.compile(_UK_POSTCODE)


def _has_uk_postcode(text: str) -> bool:
    return _UK_POSTCODE_UPPER_RE.search(text) is not None


def _find_uk_postcode(segment: str) -> _PostalMatch | None:
    match = _UK_POSTCODE_RE.search(segment)
    if match is None:
        return None
    compact = re.sub(r"\s", "", match.group("code")).upper()
    return _postal_match(match, f"{compact[:-3]} {compact[-3:]}")


_GB_COUNTY_PREFIX_RE = re.compile(r"^(?:County|Co\.)\s+[^\W\d_]", re.IGNORECASE)


def _match_gb_county(segment: str) -> str:
    folded = segment.casefold()
    is_county = folded in GB_COUNTIES or folded.endswith("shire")
    return segment if is_county or _GB_COUNTY_PREFIX_RE.match(segment) else ""


UK_RULES = _SegmentRules(
    find_postal=_find_uk_postcode,
    match_region=_match_gb_county,
    parse_street=_parse_english_street,
    unit_segment_re=_ENGLISH_UNIT_SEGMENT_RE,
)


def parse_united_kingdom(segments: list[str]) -> _Draft:
    return _parse_segments(segments, UK_RULES)
