"""Forged keyset cursors: never a server error, on every list page and API list, in every order.

A list page reads a cursor it cannot use as "no cursor" (the first page). The API answers
400 naming ``cursor`` for one it cannot use; a well-formed position it did not make (any
text is a position in a list ordered by a name) is simply a place in the list: 200. Run on
SQLite and PostgreSQL (NUL characters, 64-bit overflow and out-of-range dates fail
differently on each).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.urls import resolve

from tests.security import surface

pytestmark = pytest.mark.django_db

HUGE = 10**30
TABLE_ONLY = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-table"}  # the same query, less HTML
UNREADABLE = {"garbage", "non-ASCII", "bad base64 padding", "non-UTF-8 bytes", "offset text", "reverse text"}


def _b64(raw: str | bytes) -> str:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _page_cursor(value: Any, pk: Any) -> str:
    return _b64(json.dumps([value, pk]))


# (label, cursor) pairs for the list pages' ``?after=`` / ``?before=`` (base64 of [value, id]).
PAGE_CURSORS = [
    ("not base64", "!!!not-base64***"),
    ("non-ASCII", "курсор"),
    ("not JSON", _b64("not json")),
    ("empty array", _b64("[]")),
    ("one element", _b64("[1]")),
    ("three elements", _b64("[1, 2, 3]")),
    ("object", _b64('{"a": 1}')),
    ("bare string", _b64('"x"')),
    ("null id", _page_cursor("x", None)),
    ("string id", _page_cursor("x", "abc")),
    ("boolean id", _page_cursor("x", True)),
    ("float id", _page_cursor("x", 1.5)),
    ("infinite id", _b64('["x", 1e400]')),
    ("NaN id", _b64('["x", NaN]')),
    ("huge id", _page_cursor("x", HUGE)),
    ("huge negative id", _page_cursor("x", -HUGE)),
    ("NUL in value", _page_cursor("a\x00b", 1)),
    ("lone surrogate", _b64('["\\ud800", 1]')),
    ("list value", _page_cursor([1, [2]], 1)),
    ("object value", _page_cursor({"a": 1}, 1)),
    ("infinite value", _b64("[1e400, 1]")),
    ("huge value", _page_cursor(HUGE, 1)),
    ("date far east of year 9999", _page_cursor("9999-12-31T23:59:59-14:00", 1)),
    ("date far west of year 1", _page_cursor("0001-01-01T00:00:00+14:00", 1)),
    ("impossible date", _page_cursor("2026-13-45T25:61:00", 1)),
    ("very long value", _page_cursor("x" * 20000, 1)),
    ("deep nesting", _b64("[" * 5000 + "]" * 5000)),
]


def _api_cursor(query: str) -> str:
    return base64.b64encode(query.encode("utf-8", "surrogatepass")).decode()


# DRF's cursor: base64 of a query string with o(ffset), r(everse) and p(osition).
API_CURSORS = [
    ("garbage", "garbage"),
    ("non-ASCII", "курсор"),
    ("bad base64 padding", "abc"),
    ("position text", _api_cursor("p=abc")),
    ("position huge", _api_cursor(f"p={HUGE}")),
    ("position negative huge", _api_cursor(f"p=-{HUGE}")),
    ("position NUL", _api_cursor("p=a%00b")),
    ("position float", _api_cursor("p=1.5")),
    ("position infinite", _api_cursor("p=1e400")),
    ("position NaN", _api_cursor("p=NaN")),
    ("position date far east", _api_cursor("p=9999-12-31T23:59:59-14:00")),
    ("position date far west", _api_cursor("p=0001-01-01T00:00:00%2B14:00")),
    ("position impossible date", _api_cursor("p=2026-13-45")),
    ("position long", _api_cursor("p=" + "9" * 5000)),
    ("position empty", _api_cursor("p=")),
    ("offset negative", _api_cursor("o=-1")),
    ("offset huge", _api_cursor(f"o={HUGE}")),
    ("offset text", _api_cursor("o=abc")),
    ("reverse text", _api_cursor("r=yes")),
    ("reverse huge", _api_cursor(f"r={HUGE}")),
    ("reverse with text position", _api_cursor("r=1&p=abc")),
    ("reverse with NUL position", _api_cursor("r=1&p=%00")),
    ("two positions", _api_cursor("p=1&p=abc")),
    ("non-UTF-8 bytes", base64.b64encode(b"p=\xff\xfe").decode()),
    ("latin-1 position", _api_cursor("p=%E9")),
    ("everything", _api_cursor(f"o=999999&r=1&p={HUGE}")),
    ("lone surrogate", _api_cursor("p=%ED%A0%80")),
]
assert len(PAGE_CURSORS) == len(API_CURSORS) == 27

# A cursor's envelope (base64, JSON, ``[value, id]``, an id a database can hold; DRF's offset and
# reverse) is read before the sort's field is, and a cursor failing there fails the same way in
# any order: it is tried in the list's default order. The others carry a value that is read as
# the sort's field (text, number, date) and reaches the query, so they are tried in every order.
PAGE_ENVELOPES = {
    "not base64", "non-ASCII", "not JSON", "empty array", "one element", "object", "bare string",
    "null id", "string id", "boolean id", "float id", "infinite id", "NaN id", "huge id",
    "huge negative id", "deep nesting",
}  # fmt: skip
API_ENVELOPES = {
    "garbage", "non-ASCII", "bad base64 padding", "non-UTF-8 bytes", "offset negative",
    "offset huge", "offset text", "reverse text", "reverse huge",
}  # fmt: skip
assert {label for label, _ in PAGE_CURSORS} > PAGE_ENVELOPES
assert {label for label, _ in API_CURSORS} > API_ENVELOPES


def _page_sorts(page: surface.ListPage) -> list[str]:
    """One sort per field the cursor can hold (a reversed sort decodes the same field)."""
    by_field = {key.field: name for name, key in page.view.sorts.items()}
    return list(by_field.values()) or [""]


@pytest.fixture
def some_rows(make_partner: Any) -> None:
    for number in range(3):
        make_partner(f"Cursor Customer {number}")


@pytest.mark.parametrize("page", [p for p in surface.list_pages() if not p.export], ids=str)
def test_forged_cursors_on_a_list_page_show_the_first_page(page, client, admin, some_rows):
    client.force_login(admin)
    failures = []
    for label, cursor in PAGE_CURSORS:
        for sort in [""] if label in PAGE_ENVELOPES else _page_sorts(page):
            for direction in ("after", "before"):
                response = client.get(page.url, {direction: cursor, "sort": sort}, **TABLE_ONLY)
                if response.status_code != 200:
                    failures.append((label, sort, direction, response.status_code))
    assert failures == []


def _api_orderings(op: surface.Operation) -> list[str]:
    """The ``ordering`` values an API list offers (from its view), both ways, and none."""
    view = resolve(op.path).func.cls  # type: ignore[attr-defined]
    fields = getattr(view, "ordering_fields", ("id",))
    return ["", *(f"{sign}{name}" for name in fields for sign in ("", "-"))]


@pytest.mark.parametrize("op", surface.api_lists(), ids=str)
def test_forged_cursors_on_an_api_list_are_refused_or_read_as_a_place(op, api_client_of, admin, some_rows):
    api = api_client_of(admin)
    failures = []
    for label, cursor in API_CURSORS:
        for ordering in [""] if label in API_ENVELOPES else _api_orderings(op):
            response = api.get(op.path, {"cursor": cursor, **({"ordering": ordering} if ordering else {})})
            refused = response.status_code == 400 and "cursor" in response.json().get("errors", {})
            if not (refused or (response.status_code == 200 and label not in UNREADABLE)):
                failures.append((label, ordering, response.status_code))
    assert failures == []


@pytest.mark.parametrize("op", surface.api_lists(), ids=str)
def test_the_cursors_an_api_list_makes_still_work(op, api_client_of, admin, some_rows):
    api = api_client_of(admin)
    for ordering in _api_orderings(op):
        params = {"page_size": 1, **({"ordering": ordering} if ordering else {})}
        first = api.get(op.path, params)
        assert first.status_code == 200, first.content
        next_link = first.json()["next"]
        if next_link:
            assert api.get(next_link).status_code == 200, (ordering, next_link)
