"""Which country an address is in: a country name in the text, else its script or postal-code shape."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from tandem.partners.addresses.china import _has_chinese_script, _looks_like_pinyin_chinese
from tandem.partners.addresses.common import _find_country_name, _has_cyrillic, _split_segments
from tandem.partners.addresses.germany import GERMANY, _has_german_prefixed_code
from tandem.partners.addresses.poland import _has_polish_postal_code
from tandem.partners.addresses.slovenia import SLOVENIA
from tandem.partners.addresses.united_kingdom import _has_uk_postcode
from tandem.partners.addresses.united_states import _has_us_state_and_zip

# Ordered: the first detector that fires decides.
_SHAPE_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("CN", _has_chinese_script),
    ("RU", _has_cyrillic),
    ("PL", _has_polish_postal_code),
    ("US", _has_us_state_and_zip),
    ("GB", _has_uk_postcode),
    ("DE", _has_german_prefixed_code),
    ("DE", GERMANY.looks_like),
    ("SI", SLOVENIA.looks_like),
    ("CN", _looks_like_pinyin_chinese),
)


def detect_country_by_shape(text: str) -> str:
    for country, detector in _SHAPE_DETECTORS:
        if detector(text):
            return country
    return ""


def detect_country(text: str) -> str:
    """ISO 3166-1 alpha-2 code of the address's country, or "" when nothing points to one."""
    normalised = unicodedata.normalize("NFKC", text)
    match = _find_country_name(_split_segments(normalised))
    if match is not None:
        return match.country
    return detect_country_by_shape(normalised)
