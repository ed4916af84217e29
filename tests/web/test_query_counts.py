"""List pages page by keyset, never OFFSET.

Exact query counts of every list, card and API list are pinned by the kit's declared cases
(``tests/kit/query_counts.py``, ``tests/query_counts.json``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core.models import Company, User
from tandem.core.text import name_key
from tandem.partners.models import Partner


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
