"""Every page carries a strict Content-Security-Policy and has no inline script for it to block."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.services import create_product
from tandem.core.models import Company, Uom, User
from tandem.partners.models import Partner

DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts, on* handlers, style=."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not values.get("src") and values.get("type") not in DATA_SCRIPT_TYPES:
            self._in_inline_script = True
            self.scripts.append("")
        for name, _value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.styles.append(f"<{tag} style>")
            if name.startswith("hx-on"):
                self.handlers.append(f"<{tag} {name}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.scripts[-1] += data


def policy(response: Any) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_the_policy_is_strict(db: None) -> None:
    response = Client().get(reverse("login"))
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"][0] == "'self'"
    # Besides files, only the Swagger page's static reset, allowed by its hash.
    assert all(source.startswith("'sha256-") for source in directives["style-src"][1:])
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def pages(
    admin: User, company: Company, make_partner: Callable[..., Partner], pcs: Uom, boss_user: User
) -> list[str]:
    partner = make_partner("Meble Zieliński", email="biuro@meble.example")
    product = create_product(company, admin, name="Chair", sku="CH-1", uom=pcs)
    return [
        reverse("home"),
        reverse("partners:list"),
        reverse("partners:detail", args=[partner.pk]),
        reverse("partners:create"),
        reverse("partners:edit", args=[partner.pk]),
        reverse("catalog:list"),
        product.get_absolute_url(),
        reverse("administration:home"),
        reverse("administration:users"),
        reverse("administration:user_invite"),
        reverse("administration:user_detail", args=[boss_user.pk]),
        reverse("administration:user_edit", args=[boss_user.pk]),
        reverse("administration:roles"),
        reverse("administration:role_create"),
        reverse("administration:role_detail", args=[boss_user.groups.get().pk]),
        reverse("administration:companies"),
        reverse("administration:company_create"),
        reverse("administration:company_detail", args=[company.pk]),
        reverse("administration:company_edit", args=[company.pk]),
        reverse("administration:security"),
        reverse("administration:account"),
        reverse("administration:two_factor_setup"),
        "/api/docs/",
    ]


@pytest.fixture
def boss_user(make_user: Callable[..., User]) -> User:
    from tandem.core import roles

    return make_user("boss", roles.ADMINISTRATOR)


def test_pages_have_no_inline_script_and_carry_the_policy(
    login: Callable[[User], Client], admin: User, pages: list[str]
) -> None:
    client = login(admin)
    visited = [(reverse("login"), Client().get(reverse("login")))]
    visited += [(url, client.get(url)) for url in pages]
    for url, response in visited:
        assert response.status_code == 200, url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.scripts == [], f"{url}: inline <script> {parser.scripts[0][:80]!r}"
        assert parser.handlers == [], f"{url}: inline handlers {parser.handlers}"


def test_the_api_docs_load_their_start_up_script_from_a_file(
    login: Callable[[User], Client], admin: User
) -> None:
    client = login(admin)
    page = client.get("/api/docs/").content.decode()
    parser = InlineCode()
    parser.feed(page)
    assert parser.scripts == []
    assert "?script=" in page or "swagger-ui-init" in page or "script=" in page
