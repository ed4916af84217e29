"""Filters every domain's lists share."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An integer id (``1.5`` and ``abc`` are a 400), without resolving it, so it reveals
    nothing about rows one cannot see."""

    field_class = forms.IntegerField


FEW_LINKED = 20_000  # up to this many linked rows, they are read by primary key


def linked_to(
    rows: QuerySet[Any], links: QuerySet[Any], column: str, few: int | None = None
) -> QuerySet[Any]:
    """``rows`` that a row of ``links`` points at through ``column`` (a tag's partners through
    the tag table), in a plan that holds whether the links are few or many.

    Few (up to ``few``): their ids are read once and the rows fetched by primary key, then
    sorted — rather than walking every row in list order in the hope of meeting them. Many: a
    per-row ``EXISTS`` on the link table's index while the list walks its sorted index, which
    meets a page of them at once — rather than gathering and sorting every one (on SQLite a join
    on a tag of 220,000 partners sorted all of them: 0.5 s).
    """
    from tandem.core.search import MatchedIds

    few = FEW_LINKED if few is None else few
    ids = list(links.order_by().values_list(column, flat=True)[: few + 1])
    if len(ids) <= few:
        return rows.filter(pk__in=MatchedIds(ids))
    return rows.filter(Exists(links.order_by().filter(**{column: OuterRef("pk")})))
