"""The menus, read from the registry: each app's ``manifest.py`` declares its own entries.

The main menu also names the domains still to come, greyed out, until a domain with that
key registers its own entry (so adding a domain edits nothing here).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.core.security import is_administrator

# Shown as "coming soon", keyed by the namespace the domain's URLs will have.
PLANNED = (
    ("sales", _("Sales")),
    ("crm", _("CRM")),
    ("inventory", _("Inventory")),
    ("purchasing", _("Purchasing")),
    ("manufacturing", _("Manufacturing")),
    ("hr", _("HR")),
    ("projects", _("Projects")),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None
    active: bool


def allowed(request: HttpRequest, entry: registry.MenuEntry) -> bool:
    user = request.user
    if entry.administrators and not is_administrator(user):
        return False
    if callable(entry.permission):
        return entry.permission(user)
    return entry.permission is None or bool(user.has_perm(entry.permission))


def menu(request: HttpRequest, area: str = registry.MAIN) -> list[Link]:
    """The links of ``area`` the signed-in user may follow; the current one marked active."""
    entries = registry.menu(area)
    urls = [(entry, reverse(entry.url_name)) for entry in entries if allowed(request, entry)]
    active = _longest_prefix(request.path, [url for _entry, url in urls])
    links = [Link(str(entry.label), url, url == active) for entry, url in urls]
    if area == registry.MAIN:
        taken = {entry.url_name.split(":")[0] for entry in entries}
        links += [Link(str(label), None, False) for key, label in PLANNED if key not in taken]
    return links


def _longest_prefix(path: str, urls: list[str]) -> str | None:
    """The entry a page belongs to: the longest menu URL its path starts with."""
    matching = [url for url in urls if path.startswith(url) and url != "/"]
    return max(matching, key=len, default=None)
