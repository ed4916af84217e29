"""List pages run a fixed number of queries whatever the number of rows, and never OFFSET."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.catalog.models import Category
from tandem.catalog.services import create_category, create_product
from tandem.core.models import Company, Uom, User
from tandem.core.text import name_key
from tandem.partners.models import Partner, Tag

LIST_QUERIES = 20  # session, user, company checks, permissions, count, page, prefetch, filter choices


def _partners(company: Company, manager: User, make_partner: Callable[..., Partner], count: int) -> None:
    vip = Tag.objects.create(company=company, name="VIP")
    for index in range(count):
        make_partner(
            f"Customer {index:03d}",
            tags=[vip],
            owner=manager,
            address_text=f"ul. Długa {index + 1}, 00-950 Warszawa",
        )


@pytest.mark.parametrize("rows", [5, 50])
def test_partner_list_query_count_does_not_grow_with_rows(
    login: Callable[[User], Client],
    manager: User,
    company: Company,
    make_partner: Callable[..., Partner],
    django_assert_max_num_queries: Any,
    rows: int,
) -> None:
    _partners(company, manager, make_partner, rows)
    client = login(manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("partners:list"))
    assert len(response.context["rows"]) == rows
    page = response.content.decode()
    assert "Warszawa" in page and "VIP" in page


@pytest.mark.parametrize("rows", [5, 50])
def test_product_list_query_count_does_not_grow_with_rows(
    login: Callable[[User], Client],
    manager: User,
    company: Company,
    pcs: Uom,
    django_assert_max_num_queries: Any,
    rows: int,
) -> None:
    category: Category = create_category(company, manager, name="Chairs")
    for index in range(rows):
        create_product(
            company, manager, name=f"Chair {index}", sku=f"CH-{index:03d}", uom=pcs, category=category
        )
    client = login(manager)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("catalog:list"))
    assert len(response.context["rows"]) == rows
    assert "Chairs" in response.content.decode()


def _many_partners(company: Company, count: int) -> None:
    """Volume for a read test, written in bulk: through ``create_partner`` 5,000 rows take ~30 s.

    Rows are built as the service stores them (``name_key`` included); no behaviour of the
    write is under test here.
    """
    names = [f"Customer {index:04d}" for index in range(count)]
    Partner.objects.bulk_create(
        [Partner(company=company, name=name, name_key=name_key(name)) for name in names], batch_size=1000
    )


def test_partner_list_of_five_thousand_uses_the_keyset(
    login: Callable[[User], Client], manager: User, company: Company
) -> None:
    _many_partners(company, 5000)
    client = login(manager)
    first = client.get(reverse("partners:list"))
    assert "1,000+ records" in first.content.decode()
    with CaptureQueriesContext(connection) as captured:
        second = client.get(first.context["next_url"])
    first_row, _cells = second.context["rows"][0]
    assert first_row.name == "Customer 0050"
    partner_queries = [q["sql"] for q in captured.captured_queries if '"partners_partner"' in q["sql"]]
    assert partner_queries
    assert not any("OFFSET" in sql.upper() for sql in partner_queries)
    page_query = next(sql for sql in partner_queries if "LIMIT 51" in sql)
    assert "ORDER BY" in page_query
