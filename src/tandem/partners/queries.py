"""Reads on partners: search, the timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tandem.core import search as core_search
from tandem.core.events import for_subject
from tandem.core.models import Event, User
from tandem.core.search import prefix_condition as prefix_filter
from tandem.partners.models import Partner

__all__ = ["history", "prefix_filter", "search", "search_people", "timeline"]


def search(rows: QuerySet[Partner], text: str) -> QuerySet[Partner]:
    """Any part of the name, e-mail, phone, tax or company ID, reference or city (``core.search``)."""
    text = text.strip()
    return core_search.filter_rows(rows, text) if text else rows


def search_people(rows: QuerySet[User], text: str) -> QuerySet[User]:
    """People whose first name, last name or username holds every word of ``text``."""
    condition = Q()
    for word in text.split():
        condition &= (
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(username__icontains=word)
        )
    return rows.filter(condition)


def timeline(partner: Partner, limit: int = 100) -> QuerySet[Event]:
    """Every event naming this partner (its own history and documents about it), newest first."""
    return Event.objects.filter(partner_id=partner.pk).select_related("actor")[:limit]


def history(record: Any) -> QuerySet[Event]:
    return for_subject(record)
