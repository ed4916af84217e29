from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pages: as fast on the millionth row as on the first; no COUNT(*).

    The order is the view's ``ordering`` (default ``-id``) or the client's ``?ordering=``
    among the view's ``ordering_fields``, always ending with the primary key so that
    rows sharing a value keep a stable place.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-id",)


class StableOrderingFilter(OrderingFilter):
    """``?ordering=name_key`` or ``?ordering=-updated_at``; the primary key breaks ties."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or ["-id"])
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering
