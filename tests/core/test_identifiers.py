"""Tests for tandem.core.identifiers — pure functions, no database.

Every "valid" example below is a real published number (or the python-stdnum
documentation example) that passes its checksum.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.identifiers import (
    InvalidIdentifier,
    normalize_barcode,
    normalize_bic,
    normalize_company_id,
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
    phone_digits,
)


@pytest.fixture(autouse=True, scope="module")
def _django_settings() -> Iterator[None]:
    """gettext needs settings; configure minimal ones when run without pytest-django."""
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(USE_I18N=False)
    return


# --- InvalidIdentifier -------------------------------------------------------------------


def test_invalid_identifier_carries_message() -> None:
    exc = InvalidIdentifier("“x” is not valid")
    assert issubclass(InvalidIdentifier, ValueError)
    assert exc.message == "“x” is not valid"
    assert str(exc) == "“x” is not valid"


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+7 495 123-45-67", "", "+74951234567"),
        ("(22) 123 45 67", "PL", "+48221234567"),
        ("(22) 123 45 67", "pl", "+48221234567"),
        ("020 7946 0018", "GB", "+442079460018"),
        ("+44 20 7946 0018", "PL", "+442079460018"),
        ("+1 650-253-0000", "", "+16502530000"),
        ("+386 1 234 56 78", "", "+38612345678"),
        ("  +48 22 123 45 67  ", "", "+48221234567"),
    ],
)
def test_normalize_phone_valid(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("not a phone", ""),
        ("+48 12", ""),
        ("221234567", ""),  # no country code and no default region
        ("+1 000-000-0000", ""),
        ("123", "GB"),
        ("", "PL"),
    ],
)
def test_normalize_phone_invalid(raw: str, region: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid phone number"):
        normalize_phone(raw, region)


def test_phone_digits() -> None:
    assert phone_digits("+48221234567") == "48221234567"
    assert phone_digits(normalize_phone("+1 650-253-0000")) == "16502530000"


# --- e-mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.COM", "Jane.Doe@example.com"),
        ("  sales@TANDEM.example  ", "sales@tandem.example"),
        ("ops+invoices@mail.Example.org", "ops+invoices@mail.example.org"),
    ],
)
def test_normalize_email_valid(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["a@", "x y@z.com", "plainaddress", "@example.com", "a@b@c.com", "a@example..com", ""]
)
def test_normalize_email_invalid(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid email address"):
        normalize_email(raw)


# --- tax IDs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("7707083893", "RU", "7707083893"),  # Sberbank INN
        ("500100732259", "RU", "500100732259"),  # 12-digit (individual) INN
        ("5260250995", "PL", "5260250995"),  # NIP
        ("526-025-09-95", "pl", "5260250995"),
        ("PL5260250995", "PL", "5260250995"),  # own prefix: national compact form
        ("SI50223054", "SI", "50223054"),
        ("50223054", "SI", "50223054"),
        ("DE136695976", "DE", "136695976"),  # USt-IdNr
        ("136695976", "DE", "136695976"),
        ("181/815/08155", "DE", "18181508155"),  # Steuernummer (stdnum example)
        ("GB980780684", "GB", "980780684"),
        ("GB 980 7806 84", "GB", "980780684"),
        ("91110000600037341L", "CN", "91110000600037341L"),  # USCC
        ("04-2103594", "US", "042103594"),  # EIN
        # EU VAT numbers with another country's prefix keep their prefix.
        ("PL5260250995", "", "PL5260250995"),
        ("DE136695976", "FR", "DE136695976"),
        ("DE136695976", "RU", "DE136695976"),
        ("SI50223054", "AT", "SI50223054"),
        ("FR40303265045", "FR", "FR40303265045"),
        # Unknown countries: stripped of spaces/dashes, upper-cased.
        ("abc-123", "XX", "ABC123"),
        ("12 345 678-9", "BR", "123456789"),
        # A Mexican RFC that merely starts like an EU prefix is not forced through eu.vat.
        ("DEGA800101AB1", "MX", "DEGA800101AB1"),
    ],
)
def test_normalize_tax_id_valid(raw: str, country: str, expected: str) -> None:
    assert normalize_tax_id(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("7707083894", "RU", "for Russia: invalid checksum"),
        ("770708389", "RU", "for Russia: wrong length"),
        ("77070838AB", "RU", "for Russia: invalid format"),
        ("5260250994", "PL", "for Poland: invalid checksum"),
        ("526025099", "PL", "for Poland: wrong length"),
        ("SI50223055", "SI", "for Slovenia: invalid checksum"),
        ("DE136695978", "DE", "for Germany: invalid checksum"),
        ("123", "DE", "for Germany: wrong length"),
        ("GB980780685", "GB", "for United Kingdom: invalid checksum"),
        ("91110000600037341X", "CN", "for China: invalid checksum"),
        ("00-1234567", "US", "for United States: invalid component"),
        ("DE136695978", "FR", "for FR: invalid checksum"),
        ("PL5260250994", "", "for an unknown country: invalid checksum"),
        ("AB", "XX", "for XX: wrong length"),
        ("AB$123", "XX", "for XX: invalid format"),
        ("X" * 33, "XX", "for XX: wrong length"),
    ],
)
def test_normalize_tax_id_invalid(raw: str, country: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid tax ID") as info:
        normalize_tax_id(raw, country)
    assert message in info.value.message
    assert f"“{raw}”" in info.value.message


# --- company registry numbers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("1027700132195", "RU", "1027700132195"),  # Sberbank OGRN
        ("304500116000157", "RU", "304500116000157"),  # 15-digit OGRNIP
        ("016298263", "PL", "016298263"),  # PKO Bank Polski REGON
        ("12345678512347", "PL", "12345678512347"),  # 14-digit REGON (stdnum example)
        ("5014018000", "SI", "5014018"),  # Telekom Slovenije; stdnum drops the 000 unit
        ("5014018", "SI", "5014018"),
        ("00445790", "GB", "00445790"),  # Tesco PLC
        ("sc 123456", "GB", "SC123456"),
        ("HRB 86891 B", "DE", "HRB 86891 B"),
        ("  HRB 86891 B  ", "DE", "HRB 86891 B"),
        ("91110000600037341L", "CN", "91110000600037341L"),
        ("  C1234567 ", "US", "C1234567"),
        (" 552 100 554 ", "FR", "552 100 554"),
    ],
)
def test_normalize_company_id_valid(raw: str, country: str, expected: str) -> None:
    assert normalize_company_id(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("1027700132196", "RU", "for Russia: invalid checksum"),
        ("102770013219", "RU", "for Russia: wrong length"),
        ("016298264", "PL", "for Poland: invalid checksum"),
        ("01629826", "PL", "for Poland: wrong length"),
        ("5014019000", "SI", "for Slovenia: invalid checksum"),
        ("1234567", "GB", "for United Kingdom: wrong length"),
        ("S1234567", "GB", "for United Kingdom: invalid format"),
        ("91110000600037341X", "CN", "for China: invalid checksum"),
        ("   ", "DE", "for Germany: wrong length"),
        ("", "US", "for United States: wrong length"),
    ],
)
def test_normalize_company_id_invalid(raw: str, country: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid company registration number") as info:
        normalize_company_id(raw, country)
    assert message in str(info.value)


# --- barcodes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4006381333931", "4006381333931"),  # EAN-13
        ("036000291452", "036000291452"),  # UPC-A
        ("96385074", "96385074"),  # EAN-8
        ("10012345678902", "10012345678902"),  # GTIN-14
        (" 4006381-333931 ", "4006381333931"),
    ],
)
def test_normalize_barcode_valid(raw: str, expected: str) -> None:
    assert normalize_barcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("4006381333932", "invalid check digit"),
        ("036000291453", "invalid check digit"),
        ("12345", "wrong length"),
        ("ABC", "invalid format"),
    ],
)
def test_normalize_barcode_invalid(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"is not a valid EAN/GTIN barcode: {reason}"):
        normalize_barcode(raw)


def _ean13(first12: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return first12 + str(-total % 10)


@given(
    first12=st.text(alphabet="0123456789", min_size=12, max_size=12),
    delta=st.integers(min_value=1, max_value=9),
)
def test_normalize_barcode_idempotent_and_check_digit_enforced(first12: str, delta: int) -> None:
    code = _ean13(first12)
    assert normalize_barcode(code) == code
    assert normalize_barcode(normalize_barcode(code)) == normalize_barcode(code)
    wrong = code[:-1] + str((int(code[-1]) + delta) % 10)
    with pytest.raises(InvalidIdentifier, match="invalid check digit"):
        normalize_barcode(wrong)


# --- banking -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DE89370400440532013000", "DE89370400440532013000"),
        ("PL61109010140000071219812874", "PL61109010140000071219812874"),
        ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ],
)
def test_normalize_iban_valid(raw: str, expected: str) -> None:
    assert normalize_iban(raw) == expected


@pytest.mark.parametrize(
    "raw", ["DE89370400440532013001", "PL61109010140000071219812875", "DE8937040044", ""]
)
def test_normalize_iban_invalid(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not a valid IBAN"):
        normalize_iban(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("DEUTDEFF", "DEUTDEFF"), ("deutdeff500", "DEUTDEFF500"), ("BPKO PL PW", "BPKOPLPW")],
)
def test_normalize_bic_valid(raw: str, expected: str) -> None:
    assert normalize_bic(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("DEUT", "wrong length"), ("DEUT12FF", "invalid format"), ("DEUTXXFF", "invalid component")],
)
def test_normalize_bic_invalid(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=f"is not a valid BIC: {reason}"):
        normalize_bic(raw)


def test_phones_are_formatted_as_the_library_formats_them_without_parsing_each() -> None:
    """``format_phone``'s quick path (no ``phonenumbers.parse``) gives the library's answer for
    every region's example numbers and for random numbers under every calling code."""
    import random

    import phonenumbers

    from tandem.core.identifiers import _international, format_phone

    def library(e164: str) -> str:
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return e164
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    numbers = [
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in range(12)
        if (example := phonenumbers.example_number_for_type(region, kind)) is not None
    ]
    draw = random.Random(21)
    numbers += [
        f"+{code}{draw.randint(0, 10 ** draw.randint(1, 14))}"
        for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
        for _ in range(20)
    ]
    numbers += ["+48221234567", "+39 06 1234 5678", "+390612345678", "+4402012345678", "+", "+0", "x"]
    assert [format_phone(number) for number in numbers] == [library(number) for number in numbers]
    assert sum(_international(number) is not None for number in numbers) > len(numbers) * 0.8
