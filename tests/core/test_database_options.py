"""The PostgreSQL connection's options (``settings.postgresql_options``): parameters bound by
the server and a statement prepared from its second use on a connection, so the server parses
and plans each of the ORM's statements once per connection (bench/README.md, "o2c on
PostgreSQL"); an option in DATABASE_URL's query wins."""

from __future__ import annotations

import dj_database_url
import pytest
from django.db import connection

from tandem import settings as tandem_settings
from tandem.core.models import Currency


def test_postgresql_binds_on_the_server_and_prepares_statements_by_default() -> None:
    parsed = dj_database_url.parse("postgresql://tandem@db.example:5432/tandem")
    assert tandem_settings.postgresql_options(parsed.get("OPTIONS", {})) == {
        "server_side_binding": True,
        "prepare_threshold": 1,
    }


def test_an_option_in_the_database_url_wins() -> None:
    """Behind a pooler that cannot keep prepared statements, ``?server_side_binding=false``."""
    parsed = dj_database_url.parse(
        "postgresql://tandem@db.example:5432/tandem?server_side_binding=false&prepare_threshold=5&sslmode=require"
    )
    assert tandem_settings.postgresql_options(parsed["OPTIONS"]) == {
        "server_side_binding": False,
        "prepare_threshold": 5,
        "sslmode": "require",
    }


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_statement_run_twice_on_a_connection_is_prepared_on_the_server() -> None:
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    for code in ("EUR", "PLN"):  # the same statement, other parameters
        list(Currency.objects.filter(code=code))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, parameter_types::text FROM pg_prepared_statements")
        prepared = cursor.fetchall()
    assert any('FROM "core_currency"' in sql and "$1" in sql for sql, _types in prepared), prepared
