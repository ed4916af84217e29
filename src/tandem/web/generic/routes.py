"""A model's pages declared once; their URL patterns derive from the declaration.

``model_urls(list=…, create=…, detail=…, edit=…)`` gives the patterns every model page links
by, under ``route`` and named with ``name`` first (``"invoice_"`` → ``invoice_list``):

* ``""`` ``list`` and ``export/`` ``export`` (the list's CSV/XLSX),
* ``new/`` ``create``, ``<int:pk>/`` ``detail``, ``<int:pk>/edit/`` ``edit``,
* ``<int:pk>/<action>/`` per business action of the detail's ``action_view``.

A domain's ``urls.py`` is then ``app_name`` and one call per model (NetBox's
``get_model_urls``), plus whatever page is not one of these.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from tandem.web.actions import action_urls


def model_urls(
    *,
    list: Any = None,
    create: Any = None,
    detail: Any = None,
    edit: Any = None,
    route: str = "",
    name: str = "",
) -> list[URLPattern]:
    patterns = []
    if list is not None:
        patterns += [
            path(route, list.as_view(), name=f"{name}list"),
            path(f"{route}export/", list.as_view(export=True), name=f"{name}export"),
        ]
    if create is not None:
        patterns.append(path(f"{route}new/", create.as_view(), name=f"{name}create"))
    if detail is not None:
        patterns.append(path(f"{route}<int:pk>/", detail.as_view(), name=f"{name}detail"))
        if detail.action_view is not None:
            patterns += action_urls(detail.action_view, f"{route}<int:pk>/", name)
    if edit is not None:
        patterns.append(path(f"{route}<int:pk>/edit/", edit.as_view(), name=f"{name}edit"))
    return patterns
