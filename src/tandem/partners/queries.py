"""Reads on partners: search, the timeline."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from tandem.core.events import for_subject
from tandem.core.identifiers import InvalidIdentifier, normalize_phone
from tandem.core.models import Event
from tandem.core.text import name_key
from tandem.partners.models import Partner


def prefix_filter(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so the database can use a B-tree index.

    PostgreSQL uses ``LIKE 'x%'`` on a ``varchar_pattern_ops`` index; SQLite's LIKE is
    case-insensitive and cannot use a plain index, so it gets a binary range instead.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})


def search(rows: QuerySet[Partner], text: str) -> QuerySet[Partner]:
    """Name or e-mail prefix, or an exact phone, tax ID or external reference."""
    text = text.strip()
    if not text:
        return rows
    condition = prefix_filter("name_key", name_key(text)) | prefix_filter("email", text.lower())
    condition |= Q(tax_id=text.replace(" ", "").upper()) | Q(ref=text)
    phone = _as_phone(text)
    if phone:
        condition |= Q(phone=phone) | Q(mobile=phone)
    return rows.filter(condition)


def _as_phone(text: str) -> str:
    if sum(ch.isdigit() for ch in text) < 7:
        return ""
    try:
        return normalize_phone(text)
    except InvalidIdentifier:
        return ""


def timeline(partner: Partner, limit: int = 100) -> QuerySet[Event]:
    """Every event naming this partner (its own history and documents about it), newest first."""
    return Event.objects.filter(partner_id=partner.pk).select_related("actor")[:limit]


def history(record: Any) -> QuerySet[Event]:
    return for_subject(record)
