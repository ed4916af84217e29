"""Turning model values into what a person reads: table cells, detail fields, exports."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Manager, Model, QuerySet
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

Accessor = str | Callable[[Any], Any]
EMPTY = "—"


def resolve(obj: Any, accessor: Accessor) -> Any:
    """``accessor`` read from ``obj``: a callable, or a dotted path (choices give their label)."""
    if callable(accessor):
        return accessor(obj)
    value = obj
    parts = accessor.split(".")
    for index, part in enumerate(parts):
        if value is None:
            return None
        last = index == len(parts) - 1
        display = getattr(value, f"get_{part}_display", None)
        value = display() if last and display is not None else getattr(value, part)
    if isinstance(value, Manager):
        value = value.all()
    return value


def verbose_name(model: type[Model], name: str) -> str:
    """The translated label of a model field, or the name made readable."""
    try:
        field = model._meta.get_field(name.split(".")[0])
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()
    label = getattr(field, "verbose_name", None) or name
    return str(label)[:1].upper() + str(label)[1:]


def as_text(value: Any) -> str:
    """One value as a short human string, localised."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return formats.date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "SHORT_DATETIME_FORMAT"
        )
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(_trimmed(value), use_l10n=True, force_grouping=True)
    if isinstance(value, int | float):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, QuerySet | list | tuple | set):
        return ", ".join(str(item) for item in value) or EMPTY
    return str(value)


def _trimmed(value: Decimal) -> Decimal:
    """Stored scale dropped down to two places (129.9000 → 129.90), never losing digits (0.1234 stays)."""
    if not value.is_finite():
        return value
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else normal


def as_cell(value: Any) -> Any:
    """A value for a spreadsheet cell: numbers stay numbers, everything else plain text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, QuerySet | list | tuple | set):
        return ", ".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a list: header, how to read the value, an optional link and sort key."""

    name: str
    label: str | Promise
    accessor: Accessor | None = None
    link: bool | Callable[[Any], str | None] = False
    sort: str | None = None
    export: bool = True
    numeric: bool = False
    template: str | None = None  # a template drawing the cell from ``object`` (badges…)
    # How a field's value is shown (a phone formatted, say): keeps the column a plain field,
    # so an export still reads it with ``values_list`` instead of a model instance per row.
    shown: Callable[[Any], Any] | None = None

    def value(self, obj: Any) -> Any:
        value = resolve(obj, self.accessor if self.accessor is not None else self.name)
        return self.shown(value) if self.shown is not None else value

    def url(self, obj: Any) -> str | None:
        if self.link is True:
            return str(obj.get_absolute_url())
        if callable(self.link):
            return self.link(obj)
        return None


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None
    is_bool: bool
    flag: bool
    items: list[Any] | None
    numeric: bool
    template: str | None = None

    @property
    def html(self) -> SafeString:
        """The cell drawn in Python: a table of 50 rows would otherwise include a template
        per cell, which was most of a list page's CPU time (bench/README.md)."""
        if self.items is not None:
            return _badges(self.items)
        if self.is_bool:
            return _flag(self.flag)
        if self.url:
            return format_html('<a href="{}">{}</a>', self.url, self.text)
        return format_html("{}", self.text)


def _badges(items: list[Any]) -> SafeString:
    if not items:
        return format_html('<span class="text-body-tertiary">{}</span>', EMPTY)
    return format_html_join("", '<span class="badge rounded-pill tag-badge"{}>{}</span> ', map(_badge, items))


def _badge(item: Any) -> tuple[str, Any]:
    color = getattr(item, "color", "")
    return (format_html(' data-color="{}"', color) if color else "", item)


HIDDEN = '<span class="visually-hidden">{}</span>'


def _flag(flag: bool) -> SafeString:
    if flag:
        return format_html('<span aria-hidden="true">✓</span>' + HIDDEN, _("Yes"))
    dash = '<span class="text-body-tertiary" aria-hidden="true">{}</span>'
    return format_html(dash + HIDDEN, EMPTY, _("No"))


def cells(obj: Any, columns: Iterable[Column]) -> list[Cell]:
    row = []
    for column in columns:
        value = column.value(obj)
        items = list(value) if isinstance(value, QuerySet | list | tuple) else None
        row.append(
            Cell(
                text=as_text(value),
                url=column.url(obj),
                is_bool=isinstance(value, bool),
                flag=bool(value),
                items=items,
                numeric=column.numeric,
                template=column.template,
            )
        )
    return row


@dataclass(frozen=True)
class Link:
    """A value shown as a link of its own (``tel:``, ``mailto:``) on a detail page."""

    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class DetailField:
    label: str
    text: str
    url: str | None = None
    multiline: bool = False


def detail_fields(obj: Model, specs: Iterable[str | tuple[str | Promise, Accessor]]) -> list[DetailField]:
    """Label and text for each field of a detail page; related records link to their page, a
    :class:`Link` to its own URL."""
    found = []
    for spec in specs:
        if isinstance(spec, tuple):
            label, accessor = str(spec[0]), spec[1]
        else:
            label, accessor = verbose_name(type(obj), spec), spec
        value = resolve(obj, accessor)
        url = (
            value.get_absolute_url()
            if isinstance(value, Model) and hasattr(value, "get_absolute_url")
            else None
        )
        if isinstance(value, Link):
            url, value = value.url or None, value.text
        text = as_text(value)
        found.append(DetailField(label, text, url, multiline="\n" in text))
    return found
