"""Country choices named in the reader's language (from Babel's CLDR data)."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, to_locale

# CLDR codes that are not countries a partner can be in.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


def countries() -> list[tuple[str, str]]:
    """``[(ISO code, name)]`` sorted by name in the active language."""
    return list(_countries(get_language() or "en"))


def country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *countries()]


@lru_cache(maxsize=16)
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    try:
        locale = Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = {
        code: name
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }
    return tuple(sorted(names.items(), key=lambda item: item[1].casefold()))


def country_name(code: str) -> str:
    """The country's name in the active language, or the code itself when unknown."""
    return dict(_countries(get_language() or "en")).get(code, code) if code else ""
