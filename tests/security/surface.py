"""The attack surface as served: API operations from the OpenAPI schema, list pages from the URLconf.

Tests parametrise over these, so a new domain's endpoints, list pages and exports are
probed by the same tests without new test code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

from tandem.web.generic.list import ObjectListView


@cache
def schema() -> dict[str, Any]:
    """The OpenAPI document ``/api/schema/`` serves."""
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == "query"]


def operations(method: str | None = None) -> list[Operation]:
    found = []
    for path, item in schema()["paths"].items():
        for verb, spec in item.items():
            if verb in {"get", "post", "put", "patch", "delete"} and (method is None or verb == method):
                found.append(Operation(path, verb, spec))
    return found


def api_lists() -> list[Operation]:
    """GET collections that are paginated (they take ``cursor``)."""
    return [
        op
        for op in operations("get")
        if "{" not in op.path and any(p["name"] == "cursor" for p in op.query_parameters())
    ]


def api_collections() -> list[Operation]:
    """Every GET without a path parameter: lists, exports, counters."""
    return [op for op in operations("get") if "{" not in op.path]


@dataclass(frozen=True)
class ListPage:
    url: str
    view: type[ObjectListView]
    export: bool

    def __str__(self) -> str:
        return self.url


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def list_pages() -> list[ListPage]:
    """Every registered list page and export (``ObjectListView``) without URL arguments."""
    pages = []
    for route, callback in _walk(get_resolver().url_patterns):
        view = getattr(callback, "view_class", None)
        if view is None or not issubclass(view, ObjectListView) or "<" in route or "(" in route:
            continue
        export = bool(getattr(callback, "view_initkwargs", {}).get("export"))
        pages.append(ListPage("/" + route.lstrip("^").rstrip("$"), view, export))
    return sorted(pages, key=str)
