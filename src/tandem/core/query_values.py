"""Values taken from a URL (filters, cursors) checked before they reach a query.

A value Python accepts can still break the database driver: a datetime whose UTC time
falls outside year 1–9999 (``9999-12-31T23:00-05:00``), an integer beyond 64 bits, a
string with a NUL character (PostgreSQL refuses it) or a lone surrogate (no UTF-8 for it),
an infinite or NaN number. Each of these is the client's mistake: a 4xx, never a 500.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


class BadQueryValue(ValueError):
    """A value that must not reach the database; the message is for the client."""


def check_storable(value: Any) -> Any:
    """``value`` unchanged if every database can compare with it; else :class:`BadQueryValue`."""
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_storable(item)
    elif isinstance(value, str):
        _check_text(value)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise BadQueryValue(_("The number is too large."))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise BadQueryValue(_("Enter a finite number."))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise BadQueryValue(_("Enter a finite number."))
        # A number filter reads a Decimal, which an id column turns into a 64-bit integer.
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            raise BadQueryValue(_("The number is too large."))
    elif isinstance(value, datetime.datetime):
        _check_datetime(value)
    elif hasattr(value, "pk"):  # a model instance a filter resolved
        pass
    return value


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise BadQueryValue(_("The text contains a NUL character."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadQueryValue(_("The text is not valid Unicode.")) from error


# PostgreSQL reads offsets up to ±15:59; Python's go to ±23:59.
LARGEST_OFFSET = datetime.timedelta(hours=15, minutes=59)


def _check_datetime(value: datetime.datetime) -> None:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > LARGEST_OFFSET:
        raise BadQueryValue(_("The time zone offset is out of range."))
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        value.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as error:
        raise BadQueryValue(_("The date and time is out of range.")) from error


def field_value(field: Field[Any, Any], raw: Any) -> Any:
    """``raw`` converted for ``field`` and checked; :class:`BadQueryValue` if it cannot be."""
    try:
        value = field.to_python(raw)
    except (ValidationError, ValueError, TypeError, OverflowError) as error:
        raise BadQueryValue(_("Not a valid value.")) from error
    return check_storable(value)


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """Every field of a filter form that was given a value it cannot use, with the reasons.

    Beyond the form's own validation: a yes/no field given anything but yes/no (Django reads
    ``?active=-1`` as "not given") and cleaned values the database cannot compare with.
    """
    errors = {name: [str(message) for message in messages] for name, messages in form.errors.items()}
    for name, field in form.fields.items():
        raw = form.data.get(form.add_prefix(name))
        if name in errors or raw in (None, ""):
            continue
        if isinstance(field, forms.NullBooleanField) and not _is_yes_or_no(field, form, name):
            errors[name] = [_("Enter true or false.")]
            continue
        try:
            check_storable(getattr(form, "cleaned_data", {}).get(name))
        except BadQueryValue as refused:
            errors[name] = [str(refused)]
    return errors


def _is_yes_or_no(field: forms.Field, form: forms.Form, name: str) -> bool:
    value = field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return value in (True, False) or (isinstance(value, str) and value.lower() in {"true", "false", "1", "0"})
