"""Countries: ISO 3166-1 alpha-2 codes and their names in every language (Babel's CLDR data).

The one place that knows which codes are countries and how each is called: forms, filters,
the API, imports, address parsing and printed documents all ask here.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.translation import get_language, to_locale

# CLDR codes that are not countries a partner can be in.
_NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}

# Names people write that CLDR does not list in any of the interface languages.
ALIASES = {"uk": "GB", "usa": "US", "рф": "RU", "россия": "RU", "中国": "CN", "prc": "CN"}


@cache
def codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code of a country."""
    return frozenset(code for code, _name in _names("en"))


def countries(language: str | None = None) -> list[tuple[str, str]]:
    """``[(ISO code, name)]`` sorted by name in ``language`` (the active one by default)."""
    return list(_names(language or get_language() or "en"))


def country_choices() -> list[tuple[str, str]]:
    return [("", "—"), *countries()]


def country_name(code: str, language: str | None = None) -> str:
    """``PL`` → “Poland”, “Polska”, “Польша”… in ``language``; the code itself when unknown."""
    if not code:
        return ""
    return dict(_names(language or get_language() or "en")).get(code.upper(), code)


def code_for_name(text: str) -> str | None:
    """The code of a country written as its code or its name in any interface language."""
    return _codes_by_name().get(plain_name(text))


def plain_name(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, dots and extra spaces dropped."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace(".", " ").split())


@lru_cache(maxsize=16)
def _names(language: str) -> tuple[tuple[str, str], ...]:
    try:
        locale = Locale.parse(to_locale(language))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    names = {
        str(code): str(name)
        for code, name in locale.territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }
    return tuple(sorted(names.items(), key=lambda item: item[1].casefold()))


@cache
def _codes_by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for language, _label in settings.LANGUAGES:
        for code, name in _names(language):
            names.setdefault(plain_name(name), code)
    names.update({code.casefold(): code for code in codes()})
    names.update(ALIASES)
    return names
