"""Keyset pagination and capped counts for list pages.

A page is fetched with ``WHERE (sort, id) > (last sort, last id) ORDER BY sort, id LIMIT n``
instead of ``OFFSET``, so the ten-thousandth page costs what the first one does. The
position travels in an opaque cursor (``?after=`` / ``?before=``): base64 of the last (or
first) row's sort value and id. A sort field must be non-null and indexed together with
``id`` (``name_key``, ``created_at``…).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise

from tandem.core.query_values import check_storable, field_value


@dataclass(frozen=True)
class SortKey:
    """One way to order a list: a non-null, indexed field, tie-broken by ``id``."""

    field: str
    label: str | Promise
    descending: bool = False

    def ordering(self, reverse: bool = False) -> list[str]:
        descending = self.descending != reverse
        sign = "-" if descending else ""
        return [f"{sign}{self.field}", f"{sign}id"]

    def beyond(self, value: Any, pk: int, reverse: bool = False) -> Q:
        """Rows that come after ``(value, pk)`` in this order (before it when ``reverse``)."""
        lookup = "lt" if self.descending != reverse else "gt"
        return Q(**{f"{self.field}__{lookup}": value}) | Q(**{self.field: value, f"id__{lookup}": pk})

    def reversed(self) -> SortKey:
        return SortKey(self.field, self.label, not self.descending)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    is_first: bool


def encode_cursor(row: Model, field: str) -> str:
    value = getattr(row, field)
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    raw = json.dumps([value, row.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, model: type[Model], field: str) -> tuple[Any, int] | None:
    """The ``(value, id)`` in a cursor, or None when it is missing or was tampered with."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool):
            return None
        return field_value(model._meta.get_field(field), value), check_storable(pk)  # type: ignore[arg-type]
    except (binascii.Error, ValueError, TypeError, RecursionError):  # BadQueryValue is a ValueError
        return None


def paginate(
    rows: QuerySet[Any], key: SortKey, size: int, *, after: str | None = None, before: str | None = None
) -> Page:
    """One page of ``rows`` in ``key`` order, starting after (or ending before) a cursor."""
    model = rows.model
    backwards = decode_cursor(before, model, key.field) if not after else None
    if backwards is not None:
        fetched = list(
            rows.filter(key.beyond(*backwards, reverse=True)).order_by(*key.ordering(reverse=True))[
                : size + 1
            ]
        )
        more_before = len(fetched) > size
        page_rows = fetched[:size][::-1]
        return _page(page_rows, key, has_next=True, has_prev=more_before)
    forwards = decode_cursor(after, model, key.field)
    if forwards is not None:
        rows = rows.filter(key.beyond(*forwards))
    fetched = list(rows.order_by(*key.ordering())[: size + 1])
    return _page(fetched[:size], key, has_next=len(fetched) > size, has_prev=forwards is not None)


def _page(rows: list[Any], key: SortKey, *, has_next: bool, has_prev: bool) -> Page:
    return Page(
        rows=rows,
        next_cursor=encode_cursor(rows[-1], key.field) if rows and has_next else None,
        prev_cursor=encode_cursor(rows[0], key.field) if rows and has_prev else None,
        is_first=not has_prev,
    )


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool


def capped_count(rows: QuerySet[Any], cap: int) -> CappedCount:
    """Count at most ``cap + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT cap+1)``)."""
    found = rows.order_by().values("pk")[: cap + 1].count()
    return CappedCount(min(found, cap), found > cap)
