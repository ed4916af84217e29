"""The header's search box: the best few partners, products and (as domains register their
search documents, e.g. documents by number) other records the user may see, in one dropdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.core import search

MIN_LENGTH = 2
PER_KIND = 5


@dataclass(frozen=True)
class Group:
    label: str
    rows: list[Any]


@login_required
def global_search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:100]
    groups = _groups(request.user, text) if len(text) >= MIN_LENGTH else []
    htmx = getattr(request, "htmx", None)
    template = "web/_global_search.html" if htmx and not htmx.boosted else "web/search.html"
    return render(request, template, {"query": text, "groups": groups, "searched": len(text) >= MIN_LENGTH})


def _groups(user: Any, text: str) -> list[Group]:
    groups = []
    for document, rows in search.find(user, text, per_model=PER_KIND, allowed=_may_view(user)):
        groups.append(Group(str(document.model._meta.verbose_name_plural).capitalize(), rows))
    return groups


def _may_view(user: Any) -> Any:
    def allowed(document: search.SearchDocument) -> bool:
        meta = document.model._meta
        return bool(user.has_perm(f"{meta.app_label}.view_{meta.model_name}"))

    return allowed
