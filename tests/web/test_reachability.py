"""Every page a person can open is reachable by clicking from the home page (issue 21):
a crawler follows the menus and links as an administrator and must reach every page the URL
conf serves without an argument. The menus come from the registry; each entry must open."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tandem.administration.views import permission_matrix
from tandem.core import registry
from tandem.core.models import User

HREF = re.compile(r'href="(/[^"#?]*)')
FORM = re.compile(r"<form\b[^>]*>")
GET_ACTION = re.compile(r'action="(/[^"#?]*)"')
# Pages that are not places to go: the sign-in steps, results of a form, machine endpoints.
NOT_DESTINATIONS = {
    "login", "logout", "password_change_done", "administration:set_password_done",
    "administration:two_factor_verify", "notifications:bell", "ops:health", "ops:metrics", "schema",
}  # fmt: skip
# Pages for a record's parts, opened from that record's page with the record chosen
# (the crawl does not enter records' pages; their tests follow the link).
OPENED_FROM_A_RECORD = {"accounting:budget_line_create"}
CRAWL_LIMIT = 400


def _named_routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", ns: str = ""
) -> Iterator[tuple[str, str]]:
    """(view name, path) of every route that takes no argument."""
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            namespace = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from _named_routes(entry.url_patterns, prefix + route, namespace)
        elif entry.name and "<" not in route and not route.startswith("^"):
            yield f"{ns}{entry.name}", "/" + prefix + route


def _pages(client: Client) -> dict[str, str]:
    """The argument-free routes that answer a GET with an HTML page."""
    pages = {}
    for name, path in _named_routes(get_resolver().url_patterns):
        if name in NOT_DESTINATIONS | OPENED_FROM_A_RECORD or path.startswith("/i18n/"):
            continue
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[name] = path
    return pages


def _crawl(client: Client) -> set[str]:
    """Paths reached from the home page by following links (query strings ignored), never
    into a record's own pages (their paths hold an id) — those are reached from their lists."""
    seen, queue = {"/"}, deque(["/"])
    while queue and len(seen) < CRAWL_LIMIT:
        response = client.get(queue.popleft())
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        for path in _destinations(response.content.decode()):
            if path not in seen and not re.search(r"/\d+/", path) and not path.startswith("/static/"):
                seen.add(path)
                queue.append(path)
    return seen


def _destinations(html: str) -> list[str]:
    """Links, and the targets of GET forms (a search box is a way to a page too)."""
    forms = [tag for tag in FORM.findall(html) if 'method="get"' in tag.lower()]
    return HREF.findall(html) + [path for tag in forms for path in GET_ACTION.findall(tag)]


def test_every_page_is_reachable_from_the_menus(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    pages = _pages(client)
    assert {"home", "partners:list", "jobs:list", "api-docs", "imports:start"} <= set(pages)
    reached = _crawl(client)
    assert sorted(name for name, path in pages.items() if path not in reached) == []


def test_every_menu_entry_opens_for_whom_it_is_shown(
    login: Callable[[User], Client], admin: User, salesperson: User
) -> None:
    for user in (admin, salesperson):
        client = login(user)
        page = client.get(reverse("home")).content.decode()
        for area in registry.AREAS:
            for entry in registry.menu(area):
                url = reverse(entry.url_name)
                if f'href="{url}"' in page:
                    assert client.get(url).status_code == 200, (user.username, entry.url_name)


def test_the_account_menu_leads_to_jobs_imports_and_the_api_documentation(
    login: Callable[[User], Client], manager: User
) -> None:
    page = login(manager).get(reverse("home")).content.decode()
    for name in ("jobs:list", "imports:start", "api-docs", "notifications:inbox"):
        assert f'href="{reverse(name)}"' in page, name


def test_the_role_matrix_names_tables_as_people_would_and_hides_internal_ones(db: None) -> None:
    labels = {row.model for group in permission_matrix() for row in group.rows}
    assert {"Partners", "Products", "Webhooks", "Outgoing e-mails", "Document templates"} <= labels
    for internal in (
        "Webhook cursors",
        "Webhook attempts",
        "Idempotency records",
        "Sequence counters",
        "Events",
    ):
        assert internal not in labels
