"""Locale-aware numbers and dates: read when clear, refused with a reason when ambiguous."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tandem.integrations.imports.parsing import (
    AUTO,
    DMY,
    MDY,
    CellError,
    date_evidence,
    decimal_evidence,
    infer,
    parse_bool,
    parse_date,
    parse_decimal,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"), ("1,234.50", "1234.50"), ("1.234,50", "1234.50"), ("1'234.50", "1234.50"),
        ("1\u00a0234,5", "1234.5"), ("12,5", "12.5"), ("12.5", "12.5"), ("0,125", "0.125"), ("1.234.567",
        "1234567"),
        ("1,234,567.89", "1234567.89"), ("-3,75", "-3.75"), ("42", "42"), ("€ 12,50", "12.50"),
        ("12,50 zł", "12.50"),
    ],
)  # fmt: skip
def test_numbers_in_any_locale(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


def test_spreadsheet_numbers_never_pass_through_binary_noise() -> None:
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(3) == Decimal(3)


@pytest.mark.parametrize("text", ["1,234", "1.234", "999.000"])
def test_a_lone_group_of_three_is_ambiguous(text: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_decimal(text)
    assert caught.value.ambiguous
    assert "choose the decimal separator" in caught.value.message


def test_a_chosen_separator_settles_it() -> None:
    assert parse_decimal("1,234", ",") == Decimal("1.234")
    assert parse_decimal("1,234", ".") == Decimal(1234)
    assert parse_decimal("1.234", ",") == Decimal(1234)


@pytest.mark.parametrize("text", ["abc", "12a34", "1,2,3.4.5", "1.23.4"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(CellError):
        parse_decimal(text)


def test_evidence_from_other_values() -> None:
    assert infer(["1,234", "12,5"], decimal_evidence) == ","
    assert infer(["1,234", "1,234.50"], decimal_evidence) == "."
    assert infer(["1,234"], decimal_evidence) == AUTO
    assert infer(["1,5", "1.5"], decimal_evidence) == AUTO  # contradicting evidence proves nothing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2026", date(2026, 12, 31)), ("2026-12-31", date(2026, 12, 31)), ("12/31/2026", date(2026,
        12, 31)),
        ("31/12/2026", date(2026, 12, 31)), ("2026年12月31日", date(2026, 12, 31)), ("05.01.2026",
        date(2026, 1, 5)),
        ("2026-12-31 00:00:00", date(2026, 12, 31)), ("07/07/2026", date(2026, 7, 7)),
    ],
)  # fmt: skip
def test_dates_that_can_be_read_only_one_way(text: str, expected: date) -> None:
    assert parse_date(text) == expected


def test_ambiguous_date_needs_a_choice() -> None:
    with pytest.raises(CellError) as caught:
        parse_date("01/02/2026")
    assert "day first or month first" in caught.value.message
    assert parse_date("01/02/2026", DMY) == date(2026, 2, 1)
    assert parse_date("01/02/2026", MDY) == date(2026, 1, 2)
    assert infer(["01/02/2026", "13/02/2026"], date_evidence) == DMY
    assert infer(["01/02/2026", "02/13/2026"], date_evidence) == MDY


def test_spreadsheet_dates_and_impossible_dates() -> None:
    assert parse_date(datetime(2026, 3, 1, 12, 0)) == date(2026, 3, 1)
    with pytest.raises(CellError):
        parse_date("31.02.2026")
    with pytest.raises(CellError):
        parse_date("tomorrow")


@pytest.mark.parametrize(("text", "expected"), [("yes", True), ("Да", True), ("tak", True), ("是", True),
("0", False), ("nie", False), ("ne", False), ("否", False)])  # fmt: skip
def test_yes_and_no_in_five_languages(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


def test_neither_yes_nor_no() -> None:
    with pytest.raises(CellError):
        parse_bool("maybe")
