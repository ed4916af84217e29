"""Validation and normalisation of the identifiers a business record carries.

Pure functions, no models: each ``normalize_*`` takes what a person typed and
returns the canonical form Tandem stores (E.164 phones, compact tax IDs,
compact barcodes…), or raises :class:`InvalidIdentifier` with a translated,
human message that can be shown next to the field as is.

Tax IDs: a number typed with an EU VAT prefix of *another* country than the
one given (or for a country without a national rule) is checked with
``stdnum.eu.vat`` and kept with its prefix (``"DE136695976"``). A prefix that
matches the country (``"PL5260250995"`` for ``PL``) goes through the national
rule and is stored in that rule's compact form (``"5260250995"``), so the same
number typed with or without its prefix normalises to one value. For a country
outside the EU without a national rule, a value that merely starts with EU-like
letters but is not an EU VAT number falls back to the generic rule.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum import bic, ean, iban
from stdnum.cn import uscc
from stdnum.de import stnr
from stdnum.de import vat as de_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.gb import vat as gb_vat
from stdnum.pl import nip, regon
from stdnum.ru import inn, ogrn
from stdnum.si import ddv, maticna
from stdnum.us import ein

from tandem.core.messages import Message, lazy

__all__ = [
    "InvalidIdentifier",
    "format_phone",
    "normalize_barcode",
    "normalize_bic",
    "normalize_company_id",
    "normalize_email",
    "normalize_iban",
    "normalize_phone",
    "normalize_tax_id",
    "phone_digits",
]


class InvalidIdentifier(ValueError):
    """Carries a translated, human message in .message (str(exc) gives it too), and in
    .stored the :class:`Message` to keep for a later reader (an import's row reason)."""

    def __init__(self, message: str | Message) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.stored: str | Message = message

    def __str__(self) -> str:
        return self.message


Validator = Callable[[str], str]

_COUNTRY_NAMES = {
    "RU": gettext_lazy("Russia"),
    "PL": gettext_lazy("Poland"),
    "SI": gettext_lazy("Slovenia"),
    "DE": gettext_lazy("Germany"),
    "GB": gettext_lazy("United Kingdom"),
    "CN": gettext_lazy("China"),
    "US": gettext_lazy("United States"),
}

# Two-letter prefixes stdnum.eu.vat understands, mapped to the ISO country they
# belong to (Greece uses EL, Northern Ireland XI).
_EU_VAT_PREFIXES = {cc.upper(): cc.upper() for cc in eu_vat.MEMBER_STATES} | {
    "EL": "GR",
    "XI": "GB",
}

_GENERIC_TAX_ID = re.compile(r"[A-Z0-9]+")
_GB_COMPANY_NUMBER = re.compile(r"[A-Z]{2}[0-9]{6}|[0-9]{8}")
_SEPARATORS = re.compile(r"[\s\-]+")

_email_validator = EmailValidator()


def _country_name(country: str) -> Message:
    if not country:
        return Message(gettext_noop("an unknown country"))
    return lazy(_COUNTRY_NAMES.get(country, country))


def _reason(exc: ValidationError) -> Message:
    """The short reason for a python-stdnum validation failure (translated when shown)."""
    if isinstance(exc, InvalidChecksum):
        return Message(gettext_noop("invalid checksum"))
    if isinstance(exc, InvalidLength):
        return Message(gettext_noop("wrong length"))
    if isinstance(exc, InvalidComponent):
        return Message(gettext_noop("invalid component"))
    return Message(gettext_noop("invalid format"))


def _stdnum(validate: Validator, raw: str, fail: Callable[[Message], InvalidIdentifier]) -> str:
    """Run a stdnum ``validate`` and turn its exception into ``fail(reason)``."""
    try:
        return validate(raw)
    except ValidationError as exc:
        raise fail(_reason(exc)) from exc


# --- phones and e-mail -------------------------------------------------------------------


def normalize_phone(raw: str, default_region: str = "") -> str:
    """E.164 ('+48221234567'); ``default_region`` is used for numbers without '+'."""
    value = raw.strip()
    try:
        number = phonenumbers.parse(value, default_region.strip().upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise _invalid_phone(value) from exc
    if not phonenumbers.is_valid_number(number):
        raise _invalid_phone(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored number for people: international format with spacing ('+48 22 123 45 67');
    anything that does not parse is shown as stored."""
    if not e164:
        return ""
    quick = _international(e164)
    if quick is not None:
        return quick
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _international(e164: str) -> str | None:
    """``format_phone`` of a plain E.164 number without parsing it: what ``phonenumbers.parse``
    and ``format_number(…, INTERNATIONAL)`` do for such a number, with the country's formats
    compiled once (a list page or an export formats thousands of numbers; parsing each cost
    ~40 µs). None when the number is anything else, or when parsing could change it (a
    leading zero, a national prefix): the library decides those."""
    digits = e164[1:]
    if not (e164[:1] == "+" and digits.isdigit() and digits.isascii() and digits[:1] != "0"):
        return None
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[size:]
    layout = _layout(code)
    if layout is None or not 2 <= len(national) <= 17 or national[0] == "0":
        return None
    prefix, formats = layout
    if prefix is not None and prefix.match(national):
        return None
    for leading, pattern, rule in formats:
        if (leading is None or leading.match(national)) and pattern.fullmatch(national):
            return f"+{code} {pattern.sub(rule, national)}"
    return f"+{code} {national}"


Layout = tuple[re.Pattern[str] | None, list[tuple[re.Pattern[str] | None, re.Pattern[str], str]]]


@functools.cache
def _layout(code: int) -> Layout | None:
    """A calling code's national prefix (as parsing strips it) and international formats."""
    region = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region.upper())
    if metadata is None:
        return None
    formats = metadata.intl_number_format or metadata.number_format
    prefix = metadata.national_prefix_for_parsing
    return (
        re.compile(prefix) if prefix else None,
        [
            (
                re.compile(form.leading_digits_pattern[-1]) if form.leading_digits_pattern else None,
                re.compile(form.pattern or ""),
                form.format or "",
            )
            for form in formats
        ],
    )


# The messages are made only on failure: translating them for every valid value would cost
# an import a third of the identifier's check.
def _invalid_phone(value: str) -> InvalidIdentifier:
    return InvalidIdentifier(
        Message(gettext_noop("“%(value)s” is not a valid phone number"), {"value": value})
    )


def _invalid_email(value: str) -> InvalidIdentifier:
    return InvalidIdentifier(
        Message(gettext_noop("“%(value)s” is not a valid email address"), {"value": value})
    )


def phone_digits(e164: str) -> str:
    """'+48221234567' -> '48221234567' (for search keys)."""
    return re.sub(r"[^0-9]", "", e164)


def normalize_email(raw: str) -> str:
    """Strip, lower-case the domain (not the local part) and validate like Django."""
    value = raw.strip()
    local, at, domain = value.rpartition("@")
    if not at:
        raise _invalid_email(value)
    email = f"{local}@{domain.lower()}"
    try:
        _email_validator(email)
    except DjangoValidationError as exc:
        raise _invalid_email(value) from exc
    return email


# --- tax IDs -----------------------------------------------------------------------------


def _de_tax_id(value: str) -> str:
    """German USt-IdNr (9 digits, optional DE prefix) or Steuernummer (10, 11 or 13 digits)."""
    compact = de_vat.compact(value)
    if value.upper().startswith("DE") or len(compact) == 9:
        return de_vat.validate(value)
    return stnr.validate(value)


_TAX_ID_VALIDATORS: dict[str, Validator] = {
    "RU": inn.validate,
    "PL": nip.validate,
    "SI": ddv.validate,
    "DE": _de_tax_id,
    "GB": gb_vat.validate,
    "CN": uscc.validate,
    "US": ein.validate,
}


def _eu_vat_country(value: str) -> str:
    """The ISO country of an EU VAT prefix the value starts with, else ''."""
    return _EU_VAT_PREFIXES.get(value[:2].upper(), "")


def _generic_tax_id(value: str) -> str:
    compact = _SEPARATORS.sub("", value).upper()
    if not 3 <= len(compact) <= 32:
        raise InvalidLength()
    if not _GENERIC_TAX_ID.fullmatch(compact):
        raise InvalidFormat()
    return compact


def _eu_vat_or_generic(value: str) -> str:
    """For countries outside the EU whose own IDs may start with letters that look like an
    EU prefix (a Mexican RFC 'DEGA…'): an EU VAT number if it is one, else the generic rule."""
    try:
        return eu_vat.validate(value)
    except ValidationError:
        return _generic_tax_id(value)


def _tax_id_validator(value: str, country: str) -> Validator:
    prefix_country = _eu_vat_country(value)
    if not prefix_country or (prefix_country == country and country in _TAX_ID_VALIDATORS):
        return _TAX_ID_VALIDATORS.get(country, _generic_tax_id)
    if country in _TAX_ID_VALIDATORS or country in _EU_VAT_PREFIXES.values() or not country:
        return eu_vat.validate
    return _eu_vat_or_generic


def normalize_tax_id(raw: str, country: str) -> str:
    """Validate a tax ID for the ISO alpha-2 ``country`` and return its compact form."""
    value = raw.strip()
    country = country.strip().upper()

    def fail(reason: Message) -> InvalidIdentifier:
        message = gettext_noop("“%(value)s” is not a valid tax ID for %(country)s: %(reason)s")
        params = {"value": value, "country": _country_name(country), "reason": reason}
        return InvalidIdentifier(Message(message, params))

    return _stdnum(_tax_id_validator(value, country), value, fail)


# --- company registry numbers ------------------------------------------------------------


def _gb_company_number(value: str) -> str:
    compact = _SEPARATORS.sub("", value).upper()
    if len(compact) != 8:
        raise InvalidLength()
    if not _GB_COMPANY_NUMBER.fullmatch(compact):
        raise InvalidFormat()
    return compact


def _free_text(value: str) -> str:
    if not value:
        raise InvalidLength()
    return value


_COMPANY_ID_VALIDATORS: dict[str, Validator] = {
    "RU": ogrn.validate,
    "PL": regon.validate,
    "SI": maticna.validate,
    "GB": _gb_company_number,
    "CN": uscc.validate,
}


def normalize_company_id(raw: str, country: str) -> str:
    """Validate a company registry number; countries without a rule get it stripped only."""
    value = raw.strip()
    country = country.strip().upper()

    def fail(reason: Message) -> InvalidIdentifier:
        message = gettext_noop(
            "“%(value)s” is not a valid company registration number for %(country)s: %(reason)s"
        )
        params = {"value": value, "country": _country_name(country), "reason": reason}
        return InvalidIdentifier(Message(message, params))

    return _stdnum(_COMPANY_ID_VALIDATORS.get(country, _free_text), value, fail)


# --- barcodes and banking ----------------------------------------------------------------


def normalize_barcode(raw: str) -> str:
    """EAN-8, UPC-A (12), EAN-13 or GTIN-14 with a correct check digit, as compact digits."""
    value = raw.strip()
    try:
        return ean.validate(value)
    except ValidationError as exc:
        reason = (
            Message(gettext_noop("invalid check digit")) if isinstance(exc, InvalidChecksum) else _reason(exc)
        )
        message = gettext_noop("“%(value)s” is not a valid EAN/GTIN barcode: %(reason)s")
        raise InvalidIdentifier(Message(message, {"value": value, "reason": reason})) from exc


def normalize_iban(raw: str) -> str:
    """A valid IBAN in compact upper-case form ('DE89370400440532013000')."""
    value = raw.strip()

    def fail(reason: Message) -> InvalidIdentifier:
        message = gettext_noop("“%(value)s” is not a valid IBAN: %(reason)s")
        return InvalidIdentifier(Message(message, {"value": value, "reason": reason}))

    return _stdnum(iban.validate, value, fail)


def normalize_bic(raw: str) -> str:
    """A valid BIC (SWIFT code), 8 or 11 characters, compact upper-case."""
    value = raw.strip()

    def fail(reason: Message) -> InvalidIdentifier:
        message = gettext_noop("“%(value)s” is not a valid BIC: %(reason)s")
        return InvalidIdentifier(Message(message, {"value": value, "reason": reason}))

    return _stdnum(bic.validate, value, fail)
