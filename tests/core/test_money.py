"""Decimal money: rounding to the currency's minor unit, dated rates, unit conversions, and the
number reader every service uses for amounts and quantities it is given, and quantities written
plainly into text."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core.models import Currency, ExchangeRate, Uom
from tandem.core.money import (
    IncompatibleUnits,
    MissingRate,
    convert,
    convert_quantity,
    plain,
    rate,
    read_decimal,
    round_money,
    trimmed,
)


@pytest.mark.django_db
def test_currencies_carry_their_iso_minor_units() -> None:
    assert Currency.objects.get(code="EUR").minor_unit == 2
    assert Currency.objects.get(code="JPY").minor_unit == 0
    assert Currency.objects.get(code="KWD").minor_unit == 3
    assert Currency.objects.filter(code__in=["PLN", "RUB", "CNY", "GBP", "USD"]).count() == 5


@pytest.mark.django_db
def test_rounding_is_half_up_to_the_minor_unit() -> None:
    eur, jpy = Currency.objects.get(code="EUR"), Currency.objects.get(code="JPY")
    assert round_money(Decimal("2.675"), eur) == Decimal("2.68")
    assert round_money(Decimal("2.5"), jpy) == Decimal("3")


@pytest.mark.django_db
def test_the_latest_rate_not_after_the_day_applies_and_inverse_rates_work() -> None:
    eur, pln = Currency.objects.get(code="EUR"), Currency.objects.get(code="PLN")
    ExchangeRate.objects.create(base=eur, quote=pln, date=datetime.date(2026, 1, 1), rate=Decimal("4.30"))
    ExchangeRate.objects.create(base=eur, quote=pln, date=datetime.date(2026, 6, 1), rate=Decimal("4.25"))
    assert rate(eur, pln, datetime.date(2026, 5, 31)) == Decimal("4.30")
    assert convert(Decimal("100"), eur, pln, datetime.date(2026, 7, 1)) == Decimal("425.00")
    assert convert(Decimal("425"), pln, eur, datetime.date(2026, 7, 1)) == Decimal("100.00")
    with pytest.raises(MissingRate):
        rate(eur, pln, datetime.date(2025, 12, 31))


@pytest.mark.django_db
def test_units_convert_within_a_category_only() -> None:
    kg, g, pcs, dozen = (Uom.objects.get(code=c) for c in ["kg", "g", "pcs", "dozen"])
    assert convert_quantity(Decimal("1.5"), kg, g) == Decimal("1500.00")
    assert convert_quantity(Decimal("30"), pcs, dozen) == Decimal("3")  # rounded to whole dozens
    with pytest.raises(IncompatibleUnits):
        convert_quantity(Decimal(1), kg, pcs)


@pytest.mark.django_db
@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=6))
def test_rounded_money_never_has_more_places_than_the_currency(amount: Decimal) -> None:
    for code in ["EUR", "JPY", "KWD"]:
        currency = Currency.objects.get(code=code)
        rounded = round_money(amount, currency)
        assert -rounded.as_tuple().exponent <= currency.minor_unit  # type: ignore[operator]
        assert abs(rounded - amount) <= currency.quantum / 2


@pytest.mark.parametrize(
    ("given", "least", "message"),
    [
        (0.1, "any", "Numbers are decimals, never floating point."),
        ("1e", "any", "Enter a number."),
        ("NaN", "any", "Enter a number."),
        ("-Infinity", "any", "Enter a number."),
        ("-1", "zero", "Enter a number of zero or more."),
        ("0", "above zero", "Enter a quantity above zero."),
        ("-0.5", "above zero", "Enter a quantity above zero."),
    ],
)
def test_a_number_that_is_no_decimal_or_below_the_least_is_named_under_its_key(
    given: object, least: str, message: str
) -> None:
    errors: dict[str, list[str]] = {}
    read_decimal(given, "lines.0", errors, least=least)  # type: ignore[arg-type]
    assert errors == {"lines.0": [message]}


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_a_decimal_or_its_text_reads_back_unchanged_with_no_error(number: Decimal) -> None:
    errors: dict[str, list[str]] = {}
    assert read_decimal(number, "amount", errors) == number
    assert read_decimal(str(number), "amount", errors) == number
    assert read_decimal("", "amount", errors) == 0
    assert errors == {}


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (Decimal("30").normalize(), "30"),  # 3E+1
        (Decimal("100.0000"), "100"),
        (Decimal("2.500"), "2.5"),
        (Decimal("0.125"), "0.125"),
        (Decimal("0.0000001"), "0.0000001"),  # str() gives 1E-7
        (Decimal("-0.00"), "0"),
        (Decimal("-12.340"), "-12.34"),
        (7, "7"),
    ],
)
def test_a_quantity_is_written_plainly(number: Decimal, text: str) -> None:
    assert plain(number) == text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_plain_quantity_has_no_exponent_and_reads_back_as_the_same_number(number: Decimal) -> None:
    text = plain(number)
    assert "E" not in text.upper()
    assert Decimal(text) == number
    assert not text.endswith(".") and (("." not in text) or not text.endswith("0"))
    assert trimmed(number) == number and trimmed(number).as_tuple().exponent <= 0  # type: ignore[operator]
    assert "E" not in str(trimmed(number)) or abs(number) < Decimal("1e-6")
