"""The generic pieces: keyset pages, capped counts, htmx partials, exports, history."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from openpyxl import load_workbook

from tandem.core.cells import read_cell, safe_cell
from tandem.core.models import User
from tandem.partners.models import Address, Partner
from tandem.partners.services import update_partner
from tandem.partners.views import PartnerListView
from tandem.web import keyset
from tandem.web.generic import ObjectListView
from tandem.web.keyset import SortKey, capped_count, decode_cursor, encode_cursor, paginate

BY_NAME = SortKey("name_key", "Name")
NEWEST_FIRST = SortKey("created_at", "Created", descending=True)


@pytest.fixture
def seven(make_partner: Callable[..., Partner]) -> list[Partner]:
    # Two share a name, so the id tie-break decides their order.
    names = ["Delta", "alpha", "Echo", "Bravo", "Charlie", "Charlie", "Foxtrot"]
    return [make_partner(name) for name in names]


def _walk(key: SortKey, size: int) -> list[list[int]]:
    rows = Partner.objects.all()
    pages, cursor = [], None
    while True:
        page = paginate(rows, key, size, after=cursor)
        pages.append([p.pk for p in page.rows])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("key", [BY_NAME, NEWEST_FIRST, BY_NAME.reversed()])
def test_keyset_pages_visit_every_row_once_in_order(seven: list[Partner], key: SortKey) -> None:
    expected = list(Partner.objects.order_by(*key.ordering()).values_list("pk", flat=True))
    pages = _walk(key, 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [pk for page in pages for pk in page] == expected


def test_keyset_pages_a_sort_across_a_relation_both_ways(seven: list[Partner]) -> None:
    """A list sorted by a related row's field (stock by its product's name) writes its cursors
    from that field: pages forward and back visit every row once, in order."""
    for partner in seven:
        Address.objects.create(partner=partner, city="Ljubljana")
    rows, key = Address.objects.select_related("partner"), SortKey("partner__name_key", "Partner")
    expected = list(Address.objects.order_by(*key.ordering()).values_list("pk", flat=True))
    pages, cursor = [], None
    while True:
        page = paginate(rows, key, 3, after=cursor)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [row.pk for page in pages for row in page.rows] == expected
    back = paginate(rows, key, 3, before=pages[-1].prev_cursor)
    assert [row.pk for row in back.rows] == [row.pk for row in pages[-2].rows]


def test_keyset_ties_are_broken_by_id(seven: list[Partner]) -> None:
    charlies = [p.pk for p in seven if p.name == "Charlie"]
    first = paginate(Partner.objects.all(), BY_NAME, 3)
    second = paginate(Partner.objects.all(), BY_NAME, 3, after=first.next_cursor)
    assert [p.name for p in first.rows] == ["alpha", "Bravo", "Charlie"]
    assert first.rows[-1].pk == charlies[0]
    assert second.rows[0].pk == charlies[1]


def test_keyset_before_cursor_goes_back_a_page(seven: list[Partner]) -> None:
    rows = Partner.objects.all()
    first = paginate(rows, BY_NAME, 3)
    second = paginate(rows, BY_NAME, 3, after=first.next_cursor)
    back = paginate(rows, BY_NAME, 3, before=second.prev_cursor)
    assert [p.pk for p in back.rows] == [p.pk for p in first.rows]
    assert back.is_first
    assert back.prev_cursor is None
    assert back.next_cursor is not None
    assert first.is_first and not second.is_first


def test_a_tampered_cursor_means_the_first_page(seven: list[Partner]) -> None:
    assert decode_cursor("not-base64!!", Partner, "name_key") is None
    assert decode_cursor("WyJ4Il0", Partner, "name_key") is None  # ["x"]: no id
    page = paginate(Partner.objects.all(), BY_NAME, 3, after="garbage")
    assert page.is_first
    assert [p.name for p in page.rows] == ["alpha", "Bravo", "Charlie"]


def test_cursor_round_trips_datetimes(seven: list[Partner]) -> None:
    partner = seven[0]
    value, pk = decode_cursor(encode_cursor(partner, "created_at"), Partner, "created_at")  # type: ignore[misc]
    assert (value, pk) == (partner.created_at, partner.pk)


def test_capped_count(seven: list[Partner]) -> None:
    assert (
        capped_count(Partner.objects.all(), 10).value,
        capped_count(Partner.objects.all(), 10).capped,
    ) == (7, False)
    assert (capped_count(Partner.objects.all(), 7).value, capped_count(Partner.objects.all(), 7).capped) == (
        7,
        False,
    )
    assert (capped_count(Partner.objects.all(), 5).value, capped_count(Partner.objects.all(), 5).capped) == (
        5,
        True,
    )


def test_list_pages_through_next_and_previous_links(
    login: Callable[[User], Client], manager: User, seven: list[Partner], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PartnerListView, "page_size", 3)
    client = login(manager)
    first = client.get(reverse("partners:list"))
    assert first.context["prev_url"] is None
    second = client.get(first.context["next_url"])
    names = [obj.name for obj, _cells in second.context["rows"]]
    assert names == ["Charlie", "Delta", "Echo"]
    back = client.get(second.context["prev_url"])
    assert [obj.name for obj, _cells in back.context["rows"]] == ["alpha", "Bravo", "Charlie"]


def test_list_shows_a_capped_count(
    login: Callable[[User], Client], manager: User, seven: list[Partner], settings: Any
) -> None:
    settings.TANDEM_LIST_COUNT_CAP = 5
    page = login(manager).get(reverse("partners:list")).content.decode()
    assert "5+ records" in page
    settings.TANDEM_LIST_COUNT_CAP = 1000
    assert "7 records" in login(manager).get(reverse("partners:list")).content.decode()


def test_search_with_htmx_renders_only_the_table(
    login: Callable[[User], Client], manager: User, seven: list[Partner]
) -> None:
    client = login(manager)
    response = client.get(
        reverse("partners:list"), {"search": "cha"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="object-table"
    )
    body = response.content.decode()
    assert "<html" not in body
    assert "<table" in body
    assert body.count("<tr>") == 3  # header + two Charlies
    assert "HX-Request" in response["Vary"]
    full = client.get(reverse("partners:list"), {"search": "cha"}).content.decode()
    assert "<html" in full
    assert 'hx-trigger="input changed delay:300ms' in full
    assert 'hx-target="#object-table"' in full


def test_sorting_by_created_newest_first(
    login: Callable[[User], Client], manager: User, seven: list[Partner]
) -> None:
    response = login(manager).get(reverse("partners:list"), {"sort": "created"})
    assert [obj.pk for obj, _cells in response.context["rows"]] == [p.pk for p in reversed(seven)]
    oldest_first = login(manager).get(reverse("partners:list"), {"sort": "-created"})
    assert [obj.pk for obj, _cells in oldest_first.context["rows"]] == [p.pk for p in seven]


def test_an_unknown_sort_falls_back_to_the_default(
    login: Callable[[User], Client], manager: User, seven: list[Partner]
) -> None:
    response = login(manager).get(reverse("partners:list"), {"sort": "tax_id"})
    assert [obj.name for obj, _cells in response.context["rows"]][:2] == ["alpha", "Bravo"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+48221234567", "'+48221234567"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ('\x01=HYPERLINK("http://evil.test")', '\'=HYPERLINK("http://evil.test")'),
        ("\x00\x1f+1", "'+1"),
        ("＝1+1", "'＝1+1"),
        ("Acme\x0b Ltd", "Acme Ltd"),
        ("Acme", "Acme"),
        (-5, -5),
    ],
)
def test_safe_cell_strips_control_characters_then_neutralises_formulas(
    value: object, expected: object
) -> None:
    assert safe_cell(value) == expected


@pytest.mark.parametrize("text", ["=1+1", "+48 22 123 45 67", "-x", "@A1", "Acme", "'quoted"])
def test_a_neutralised_cell_reads_back_as_it_was(text: str) -> None:
    assert read_cell(safe_cell(text)) == text


def test_exports_follow_the_current_filters_and_sort(
    login: Callable[[User], Client], manager: User, seven: list[Partner]
) -> None:
    client = login(manager)
    response = client.get(reverse("partners:export"), {"format": "csv", "search": "cha"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Name"
    assert [row[0] for row in rows[1:]] == ["Charlie", "Charlie"]
    xlsx = client.get(reverse("partners:export"), {"format": "xlsx", "sort": "-name"})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Foxtrot", "Echo", "Delta", "Charlie", "Charlie", "Bravo", "alpha"]


def test_history_shows_who_when_and_what_changed(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Acme", kind="organisation")
    update_partner(partner, manager, email="sales@acme.test", kind="person")
    page = login(manager).get(reverse("partners:detail", args=[partner.pk])).content.decode()
    history = page[page.index('id="pane-history"') :]
    assert "Changed" in history
    assert "Created" in history
    assert manager.display_name() in history
    assert "E-mail" in history
    assert "sales@acme.test" in history
    assert "Organisation</span>" in history  # the choice label, not the stored value
    assert "Person</span>" in history


def _list_views() -> list[type[ObjectListView]]:
    from tests.web.test_exports import _walk

    found = {getattr(callback, "view_class", None) for _name, callback in _walk(get_resolver().url_patterns)}
    return sorted(
        (view for view in found if isinstance(view, type) and issubclass(view, ObjectListView)),
        key=lambda view: f"{view.__module__}.{view.__qualname__}",
    )


def test_every_lists_sorts_name_fields_its_rows_have() -> None:
    """Every sort a list offers names a field of its rows (across relations) and the default is
    one of them: a page's cursors are written from that field, past the first page."""
    views = _list_views()
    assert len(views) > 50
    for view in views:
        for name, key in view.sorts.items():
            assert keyset._field(view.model, key.field), (view, name)
        assert not view.default_sort or view.default_sort in view.sorts, view
