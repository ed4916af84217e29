"""Queries the planner cannot get wrong at a million rows: record rules as correlated checks,
not lists of ids; a filter for every list filter the UI offers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core import filters
from tandem.core.models import User
from tandem.partners.models import Partner, Tag
from tandem.partners.views import PartnerListView
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


def test_recent_activity_checks_each_event_instead_of_listing_visible_partners(
    salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Mine Ltd", actor=salesperson)
    client = signed_in(salesperson)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    [events] = [q["sql"] for q in queries.captured_queries if 'FROM "core_event"' in q["sql"]]
    assert "EXISTS" in events and '"partner_id" IN (SELECT' not in events


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({"country": "FR"}, "partner_country_name_idx"),
        ({"kind": "person"}, "partner_kind_name_idx"),
        ({"active": "false"}, "partner_archived_name_idx"),
        ({"is_supplier": "true"}, "partner_supplier_name_idx"),
        ({"is_customer": "false"}, "partner_noncustomer_name_idx"),
        ({"owner": "me"}, "partner_owner_name_idx"),
        ({}, "partner_name_idx"),
    ],
)
def test_a_filtered_list_reads_an_index_in_name_order(
    manager: User, make_partner: Callable[..., Partner], params: dict[str, str], index: str
) -> None:
    """A filter that matches little must not walk every partner in name order, nor sort them all:
    the page's query reads the filter's index, already in name order (asked of the planner with
    scans made costly, as a table this small would rather be read whole)."""
    make_partner("Anything")
    if params.get("owner") == "me":
        params = {"owner": str(manager.pk)}
    client = signed_in(manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("partners:list"), params)
    [page] = [q["sql"] for q in queries.captured_queries if "LIMIT 51" in q["sql"]]
    assert index in _plan(page)
    assert "TEMP B-TREE" not in _plan(page) and "Sort" not in _plan(page)


@pytest.mark.parametrize("few", [True, False])
def test_the_tag_filter_reads_few_partners_by_key_and_many_in_name_order(
    manager: User, make_partner: Callable[..., Partner], monkeypatch: pytest.MonkeyPatch, few: bool
) -> None:
    """A tag on few partners: their ids once, then the partners by primary key (no walk of every
    partner in name order). A tag on many: each partner checked on the link table's index while
    the list walks its name index (no gathering and sorting all of them: 0.5-1 s on SQLite at
    1,000,000 partners)."""
    tag = Tag.objects.create(company=manager.active_company, name="Key account")
    for name in ["Alpha", "Beta", "Gamma"]:
        make_partner(name, tags=[tag])
    make_partner("Delta")
    monkeypatch.setattr(filters, "FEW_LINKED", 10 if few else 2)
    client = signed_in(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("partners:list"), {"tag": str(tag.pk)})
    assert [p.name for p, _ in response.context["rows"]] == ["Alpha", "Beta", "Gamma"]
    [page] = [q["sql"] for q in queries.captured_queries if "LIMIT 51" in q["sql"]]
    plan = _plan(page)
    if few:  # (which index the planner picks for a list this small says nothing: not asked)
        assert "partners_partner_tags" not in page
        assert "json_each" in page or "jsonb_array_elements_text" in page
    else:
        assert "EXISTS" in page and "partner_name_idx" in plan, plan
        assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


def _plan(sql: str) -> str:
    """The plan, on PostgreSQL with whole-table reads and sorts made costly: a table of a few
    rows would rather be read whole or sorted (and its statistics, left by earlier tests, may say
    anything), so the question asked is whether an index can give the rows in name order."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")
            return plan
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_a_page_deep_in_the_list_starts_its_index_read_at_the_cursor(
    manager: User, make_partner: Callable[..., Partner], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next page (and each batch of an export, and the API's cursor) reads the sorted index
    from the cursor on, as a range on the sort key: read as ``name > x OR (name = x AND id > y)``
    both databases walked the index from the first partner at a million partners (their
    statistics said so; a small table's may not), so a batch 300,000 partners in took 64 ms on
    SQLite and 0.8 s on PostgreSQL, and an export of them all grew with the square of its rows."""
    for name in ["Alpha", "Beta", "Gamma", "Delta"]:
        make_partner(name)
    monkeypatch.setattr(PartnerListView, "page_size", 2)
    client = signed_in(manager)
    cursor = client.get(reverse("partners:list")).context["page"].next_cursor
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("partners:list"), {"after": cursor})
    [page] = [q["sql"] for q in queries.captured_queries if "LIMIT 3" in q["sql"]]
    assert '"name_key" >= ' in page, page  # a bound the index range starts from, whatever the statistics
    plan = _plan(page)
    assert "name_key>?" in plan or re.search(r"Index Cond: .*name_key\)?(::text)? >= ", plan), plan
