"""Links that keep the current filters, search and sort while changing one parameter."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

PAGE_PARAMS = ("after", "before")


def with_params(request: HttpRequest, path: str | None = None, **changes: Any) -> str:
    """``path`` (default: this page) with the request's query, ``changes`` applied (None removes)."""
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value is not None:
            params[name] = str(value)
    query = params.urlencode()
    base = request.path if path is None else path
    return f"{base}?{query}" if query else base
