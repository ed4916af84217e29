"""Select boxes over large tables that search the server instead of listing every row.

A domain registers a *source* (which rows a user may pick, how to search them, how to show
one) and gives a form field the :class:`AutocompleteSelect` (or ``…Multiple``) widget naming it.
The widget renders a real ``<select>`` holding only the chosen rows, and a search box above it
that asks ``/autocomplete/<source>/?q=…`` through htmx for the best ``LIMIT`` matches — no
list capped at a few hundred that hides the rest, no script beyond htmx (strict CSP). The form
field keeps its queryset, so any row the user may see validates, whatever was shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

LIMIT = 20


@dataclass(frozen=True)
class Source:
    rows: Callable[[HttpRequest], QuerySet[Any]]  # what this user may pick (record rules, company)
    search: Callable[[QuerySet[Any], str], QuerySet[Any]]
    order: tuple[str, ...] = ("pk",)
    label: Callable[[Any], str] = str


_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _sources[name] = source


def source(name: str) -> Source | None:
    return _sources.get(name)


def matches(found: Source, request: HttpRequest, text: str) -> list[tuple[Any, str]]:
    rows = found.rows(request)
    if text.strip():
        rows = found.search(rows, text.strip())
    return [(row.pk, found.label(row)) for row in rows.order_by(*found.order)[:LIMIT]]


def chosen(found: Source, request: HttpRequest, values: Iterable[str]) -> list[tuple[Any, str]]:
    pks = [int(value) for value in values if str(value).isdigit()]
    if not pks:
        return []
    return [
        (row.pk, found.label(row)) for row in found.rows(request).filter(pk__in=pks).order_by(*found.order)
    ]


class AutocompleteSelect(forms.Select):
    """A ``<select>`` with only the chosen row, filled with matches as the person types."""

    template_name = "web/widgets/autocomplete.html"
    allow_multiple_selected = False

    def __init__(self, source_name: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.source_name = source_name

    def optgroups(self, name: str, value: list[Any], attrs: dict[str, Any] | None = None) -> list[Any]:
        """Options for the chosen values only: never the whole table."""
        wanted = {str(v) for v in value if v not in (None, "")}
        queryset = getattr(self.choices, "queryset", None)
        options = []
        field = getattr(self.choices, "field", None)
        if not self.allow_multiple_selected:
            empty = getattr(field, "empty_label", None) or "—"
            options.append(self.create_option(name, "", empty, not wanted, 0))
        if wanted and queryset is not None and field is not None:
            pks = [int(v) for v in wanted if v.isdigit()]
            for index, row in enumerate(queryset.filter(pk__in=pks), start=1):
                options.append(self.create_option(name, row.pk, field.label_from_instance(row), True, index))
        return [(None, options, 0)]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["search_url"] = reverse("autocomplete", args=[self.source_name])
        context["widget"]["multiple"] = self.allow_multiple_selected
        return context


class AutocompleteSelectMultiple(AutocompleteSelect, forms.SelectMultiple):
    allow_multiple_selected = True
