"""Cells to values: locale-aware numbers and dates, yes/no, choices; header normalisation.

Numbers: ``1 234,50``, ``1,234.50``, ``1.234,50``, ``1'234.50``, ``12,5`` and ``12.5`` are read
without being told the locale; ``1,234`` or ``1.234`` alone could be a thousand or a fraction,
so it is an error unless the decimal separator was chosen, or the same file shows it in
another number. Dates: ``2026-12-31`` and ``31.12.2026`` are clear; ``01/02/2026`` is an
error unless the date order was chosen or another date of the file settles it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop

from tandem.core.messages import Message

AUTO = "auto"
DMY, MDY = "dmy", "mdy"
DATE_ORDERS = (AUTO, DMY, MDY)
DECIMAL_SEPARATORS = (AUTO, ".", ",")

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009'’]")
_NUMBER = re.compile(r"[+-]?[\d.,]*\d[\d.,]*")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_CJK_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})")
TRUE_WORDS = frozenset(
    ["1", "y", "yes", "true", "t", "x", "on", "да", "д", "истина", "tak", "t", "prawda", "da", "ja", "是",
    "对", "真"]
)  # fmt: skip
FALSE_WORDS = frozenset(
    ["0", "n", "no", "false", "f", "off", "нет", "н", "ложь", "nie", "fałsz", "ne", "否", "不", "假"]
)


class CellError(ValueError):
    """A cell that cannot be read; the message says why (translated when shown)."""

    def __init__(self, message: str | Message, *, ambiguous: bool = False) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.stored = message  # kept in the dry run's report, translated for each reader
        self.ambiguous = ambiguous


def normalise_header(text: Any) -> str:
    """Case, spaces and punctuation removed: ``"E-mail address"`` → ``"emailaddress"``."""
    folded = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def as_text(value: Any) -> str:
    """A cell as text; XLSX numbers that are whole (phones, barcodes) lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# --- numbers ---------------------------------------------------------------------------


def _numeric_text(value: str) -> str:
    text = _SPACES.sub("", value)
    match = _NUMBER.search(text)
    if match is None or len(match.group(0)) < len(text) - 4:  # a currency sign or code may surround it
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": value}))
    rest = (text[: match.start()] + text[match.end() :]).strip()
    if rest and any(ch.isdigit() for ch in rest):
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": value}))
    return match.group(0)


def decimal_evidence(value: Any) -> str | None:
    """The decimal separator a cell proves (``"."``, ``","``), or None if it proves none."""
    if not isinstance(value, str):
        return None
    try:
        text = _numeric_text(value).lstrip("+-")
    except CellError:
        return None
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        return "," if text.rfind(",") > text.rfind(".") else "."
    for mark, count in ((",", commas), (".", dots)):
        if count == 1:
            whole, fraction = text.split(mark)
            if len(fraction) != 3 or whole in ("", "0"):
                return mark
        elif count > 1:
            return "." if mark == "," else ","  # repeated: a grouping mark, so the other is decimal
    return None


def parse_decimal(value: Any, separator: str = AUTO) -> Decimal:
    if isinstance(value, bool):
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": value}))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest decimal that round-trips, never binary noise
    original = str(value).strip()
    text = _numeric_text(original)
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("+-")
    if separator == AUTO:
        separator = _separator_of(text, original)
    group = "," if separator == "." else "."
    if text.count(separator) > 1:
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": original}))
    whole, _mark, fraction = text.partition(separator)
    if group in whole and not _GROUPED.fullmatch(whole):
        raise CellError(
            Message(gettext_noop("“%(value)s” has digit groups that are not of three."), {"value": original})
        )
    if group in fraction:
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": original}))
    try:
        return Decimal(sign + whole.replace(group, "") + ("." + fraction if fraction else ""))
    except InvalidOperation:
        raise CellError(Message(gettext_noop("“%(value)s” is not a number."), {"value": original})) from None


def _separator_of(text: str, original: str) -> str:
    evidence = decimal_evidence(text)
    if evidence is not None:
        return evidence
    if "," in text or "." in text:  # one mark followed by exactly three digits
        raise CellError(
            Message(
                gettext_noop(
                    "“%(value)s” could be a whole number or a fraction; choose the decimal separator "
                    "in the column mapping."
                ),
                {"value": original},
            ),
            ambiguous=True,
        )
    return "."


# --- dates -----------------------------------------------------------------------------


def date_evidence(value: Any) -> str | None:
    """The day/month order a cell proves, or None."""
    if not isinstance(value, str):
        return None
    text = value.strip().split(" ")[0].split("T")[0]
    if _ISO.fullmatch(text) or _CJK_DATE.fullmatch(text):
        return None
    match = _DAY_FIRST_OR_MONTH_FIRST.fullmatch(text)
    if match is None:
        return None
    first, mark, second = int(match.group(1)), match.group(2), int(match.group(3))
    if mark == ".":
        return DMY
    if first > 12 >= second:
        return DMY
    if second > 12 >= first:
        return MDY
    return None


def parse_date(value: Any, order: str = AUTO) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    original = str(value).strip()
    text = original.split(" ")[0].split("T")[0]
    if match := (_ISO.fullmatch(text) or _CJK_DATE.fullmatch(text)):
        return _date(original, int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _DAY_FIRST_OR_MONTH_FIRST.fullmatch(text)
    if match is None:
        raise CellError(Message(gettext_noop("“%(value)s” is not a date."), {"value": original}))
    first, mark, second, year_text = int(match.group(1)), match.group(2), int(match.group(3)), match.group(4)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if order == AUTO:
        order = date_evidence(text) or (DMY if first == second else "")
    if order == MDY:
        return _date(original, year, first, second)
    if order == DMY or mark == ".":
        return _date(original, year, second, first)
    raise CellError(
        Message(
            gettext_noop(
                "“%(value)s” could be read day first or month first; "
                "choose the date format in the column mapping."
            ),
            {"value": original},
        ),
        ambiguous=True,
    )


def _date(original: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(
            Message(gettext_noop("“%(value)s” is not a valid date."), {"value": original})
        ) from None


# --- yes/no and choices ----------------------------------------------------------------


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold().rstrip(".")
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(Message(gettext_noop("“%(value)s” is neither yes nor no."), {"value": value}))


def infer(values: Iterable[Any], evidence: Any) -> str:
    """The one format the values agree on (AUTO if none, or if they contradict each other)."""
    found = {proof for value in values if (proof := evidence(value)) is not None}
    return found.pop() if len(found) == 1 else AUTO
