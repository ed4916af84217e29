"""The main menu: the domains that exist link to their lists; the rest show as coming soon."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str | None = None
    permission: str | None = None

    @property
    def namespace(self) -> str:
        return self.url_name.split(":")[0] if self.url_name else ""


MENU = [
    NavItem(_("Partners"), "partners:list", "partners.view_partner"),
    NavItem(_("Products"), "catalog:list", "catalog.view_product"),
    NavItem(_("Sales")),
    NavItem(_("CRM")),
    NavItem(_("Inventory")),
    NavItem(_("Purchasing")),
    NavItem(_("Manufacturing")),
    NavItem(_("Accounting")),
    NavItem(_("HR")),
    NavItem(_("Projects")),
]


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None
    active: bool


def menu(request: HttpRequest) -> list[Link]:
    user = request.user
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    links = []
    for item in MENU:
        if item.url_name is None:
            links.append(Link(str(item.label), None, False))
        elif item.permission is None or user.has_perm(item.permission):
            links.append(Link(str(item.label), reverse(item.url_name), item.namespace == namespace))
    return links
