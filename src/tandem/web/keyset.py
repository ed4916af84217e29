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
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Field, Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
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
        # ``field >= value AND (field > value OR id > pk)``, not the equivalent ``field > value
        # OR (field = value AND id > pk)``: SQLite reads no index range for that OR and walks
        # the sorted index from its start, so a page deep in a million rows read them all.
        bound = Q(**{f"{self.field}__{lookup}e": value})
        return bound & (Q(**{f"{self.field}__{lookup}": value}) | Q(**{f"id__{lookup}": pk}))

    def reversed(self) -> SortKey:
        return SortKey(self.field, self.label, not self.descending)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None
    prev_cursor: str | None
    is_first: bool


MAX_TIERS = 16  # search tiers a cursor may name


def encode_cursor(row: Model, field: str, tier: int | None = None) -> str:
    value = _value_at(row, field)
    if isinstance(value, datetime.datetime | datetime.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    position = [value, row.pk] if tier is None else [value, row.pk, tier]
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, model: type[Model], field: str) -> tuple[Any, int] | None:
    """The ``(value, id)`` in a cursor, or None when it is missing or was tampered with."""
    position = _decode(cursor, model, field)
    return position[:2] if position is not None else None


def _decode(cursor: str | None, model: type[Model], field: str) -> tuple[Any, int, int] | None:
    """``(value, id, tier)``; the tier is 0 in a cursor written without one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk, *tier = json.loads(raw)
        if not all(_is_int(number) for number in (pk, *tier)) or len(tier) > 1:
            return None
        if tier and not 0 <= tier[0] < MAX_TIERS:  # a forged tier must not make the pages loop
            return None
        typed = field_value(_field(model, field), value)
        return typed, check_storable(pk), tier[0] if tier else 0
    except (binascii.Error, ValueError, TypeError, RecursionError):  # BadQueryValue is a ValueError
        return None


def _value_at(row: Model, path: str) -> Any:
    """The value a sort key names on ``row``, across relations (a stock row's
    ``product__name_key``), as :func:`_field` finds its field."""
    value: Any = row
    for name in path.split(LOOKUP_SEP):
        value = getattr(value, name) if value is not None else None
    return value


def _field(model: type[Model], path: str) -> Field[Any, Any]:
    """The field a sort key names, across relations (``product__name_key`` on a stock row)."""
    *relations, name = path.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    return model._meta.get_field(name)  # type: ignore[return-value]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def paginate(
    rows: QuerySet[Any],
    key: SortKey,
    size: int,
    *,
    after: str | None = None,
    before: str | None = None,
    tiers: Sequence[Q] = (),
) -> Page:
    """One page of ``rows`` in ``key`` order, starting after (or ending before) a cursor.

    With ``tiers`` (search results: names that start with the text first), the rows of the first
    condition come first, then those of the next that are in no earlier one…, then the rest,
    each tier in ``key`` order.
    """
    if tiers:
        return _tiered(rows, key, size, after, before, _tier_conditions(tiers))
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


def _tier_conditions(better: Sequence[Q]) -> list[Q]:
    conditions = []
    for index, condition in enumerate(better):
        for earlier in better[:index]:
            condition &= ~earlier
        conditions.append(condition)
    rest = ~better[0]
    for condition in better[1:]:
        rest &= ~condition
    return [*conditions, rest]


def _tiered(
    rows: QuerySet[Any], key: SortKey, size: int, after: str | None, before: str | None, tiers: list[Q]
) -> Page:
    """Each tier is its own query in index order, so none needs the whole result sorted."""
    model = rows.model
    backwards = _decode(before, model, key.field) if not after else None
    start = backwards if backwards is not None else _decode(after, model, key.field)
    reverse = backwards is not None
    first_tier = start[2] if start is not None else 0
    order = range(first_tier, -1, -1) if reverse else range(first_tier, len(tiers))
    fetched: list[tuple[Any, int]] = []
    for tier in order:
        if tier >= len(tiers):
            break
        tier_rows = rows.filter(tiers[tier])
        if start is not None and tier == first_tier:
            tier_rows = tier_rows.filter(key.beyond(start[0], start[1], reverse=reverse))
        wanted = size + 1 - len(fetched)
        fetched += [(row, tier) for row in tier_rows.order_by(*key.ordering(reverse=reverse))[:wanted]]
        if len(fetched) > size:
            break
    more = len(fetched) > size
    page = fetched[:size][::-1] if reverse else fetched[:size]
    has_next, has_prev = (True, more) if reverse else (more, start is not None)
    return Page(
        rows=[row for row, _tier in page],
        next_cursor=encode_cursor(page[-1][0], key.field, page[-1][1]) if page and has_next else None,
        prev_cursor=encode_cursor(page[0][0], key.field, page[0][1]) if page and has_prev else None,
        is_first=not has_prev,
    )


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
