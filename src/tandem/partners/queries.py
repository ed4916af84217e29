"""Reads on partners: search, the timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tandem.core import search as core_search
from tandem.core.events import for_subject
from tandem.core.models import Event
from tandem.core.search import prefix_condition as prefix_filter
from tandem.partners.models import Partner

__all__ = ["history", "prefix_filter", "search", "timeline"]


def search(rows: QuerySet[Partner], text: str) -> QuerySet[Partner]:
    """Any part of the name, e-mail, phone, tax or company ID, reference or city (``core.search``)."""
    text = text.strip()
    return core_search.filter_rows(rows, text) if text else rows


def timeline(partner: Partner, limit: int = 100) -> QuerySet[Event]:
    """Every event naming this partner (its own history and documents about it), newest first."""
    return Event.objects.filter(partner_id=partner.pk).select_related("actor")[:limit]


def history(record: Any) -> QuerySet[Event]:
    return for_subject(record)
