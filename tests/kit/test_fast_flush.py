"""The PostgreSQL flush between transactional tests deletes rows instead of truncating every
table: the database it leaves is as empty, and the ledgers' triggers work again after it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.accounting.invariants import balances_are_the_posted_lines
from tandem.accounting.models import AccountBalance
from tandem.accounting.services import charts, ledger
from tandem.core.models import Currency
from tandem.core.services import create_company
from tests.accounting.conftest import DAY, account, journal
from tests.conftest import ensure_reference_data
from tests.kit.fast_flush import tables_with_rows

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQLite flush is Django's own"),
]


def _post_an_entry() -> None:
    ensure_reference_data()
    company = create_company(
        name="Flushed", code="flushed", currency=Currency.objects.get(code="EUR"), country="SI"
    )
    charts.install_chart(company, None, "ifrs", today=DAY)
    entry = ledger.create_entry(
        company,
        None,
        journal=journal(company, "MISC"),
        date=DAY,
        lines=[
            ledger.Line(account(company, "1010"), debit=Decimal("70.00")),
            ledger.Line(account(company, "4000"), credit=Decimal("70.00")),
        ],
    )
    ledger.post_entry(entry, None)


def _every_table() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def test_the_flush_deletes_the_rows_and_the_triggers_keep_working_after_it() -> None:
    _post_an_entry()
    assert AccountBalance.objects.exists()  # kept by the journal lines' triggers

    with CaptureQueriesContext(connection) as flushing:
        call_command(
            "flush", interactive=False, reset_sequences=False, inhibit_post_migrate=True, verbosity=0
        )

    statements = [query["sql"] for query in flushing.captured_queries]
    assert not any("TRUNCATE" in sql for sql in statements)
    assert any(sql.startswith("DELETE FROM") for sql in statements)
    assert tables_with_rows(connection, _every_table()) == []

    _post_an_entry()
    assert AccountBalance.objects.exists()
    assert balances_are_the_posted_lines() == []
