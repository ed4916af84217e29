"""Row counts and a checksum per table, computed the same way on SQLite and PostgreSQL.

For each table Django's introspection lists, the rows are read ordered by primary key
(``COLLATE "C"`` for text keys on PostgreSQL, so the server's locale cannot change the order),
with the columns in name order; each row is encoded as one JSON array per line and the lines
are hashed with SHA-256. A value keeps the type the driver returns, so the checksum is stable
across a backup and restore on the same vendor (which is all a restore compares).

Also: a Django connection to a database other than the configured one (a backup snapshot, a
scratch database), built from a settings dict.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

ALGORITHM = "sha256 of the rows ordered by primary key, one JSON array per row, columns by name"
FETCH_SIZE = 2000
_TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}

TableSums = dict[str, dict[str, Any]]


def database_settings(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A complete settings dict (every default Django fills in) from ``base`` with ``changes``."""
    settings_dict = {key: value for key, value in base.items() if key != "TEST"}
    settings_dict.update(changes)
    return connections.configure_settings({"default": settings_dict})["default"]


@contextmanager
def open_connection(settings_dict: dict[str, Any], **changes: Any) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection of its own to ``settings_dict`` with ``changes`` (closed at the end)."""
    backend = load_backend(settings_dict["ENGINE"])
    # Registered under its own alias in this thread: Django looks connections up by alias
    # (transaction.atomic(alias) in the backends' feature probes).
    alias = f"ops-{uuid.uuid4().hex}"
    connection = backend.DatabaseWrapper(database_settings(settings_dict, **changes), alias)
    connections[alias] = connection
    try:
        yield connection
    finally:
        connection.close()
        del connections[alias]


def _encode(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot checksum a {type(value).__name__}")


def table_names(connection: BaseDatabaseWrapper) -> list[str]:
    """The database's tables, without SQLite's own (``sqlite_stat1`` from ANALYZE, …)."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(name for name in names if not name.startswith("sqlite_"))


def _field_type(connection: BaseDatabaseWrapper, column: Any) -> str:
    try:
        return str(connection.introspection.get_field_type(column.type_code, column))
    except KeyError:  # a type Django does not map (a column declared without one, an extension's)
        return ""


def column_types(connection: BaseDatabaseWrapper, cursor: Any, table: str) -> dict[str, str]:
    """The table's columns with their Django field types. The types only choose the order of
    text keys on PostgreSQL; on SQLite, where Django's description parses each table's SQL for
    its collations (20 ms a table: most of a backup's time on a small database), the columns
    are read from the same ``PRAGMA`` it starts from, without types."""
    if connection.vendor != "sqlite":
        description = connection.introspection.get_table_description(cursor, table)
        return {column.name: _field_type(connection, column) for column in description}
    cursor.execute(f"PRAGMA table_xinfo({connection.ops.quote_name(table)})")
    # hidden: 0 a column, 2 and 3 generated ones, 1 a virtual table's hidden one (as Django reads it)
    return {name: "" for _cid, name, *_rest, hidden in cursor.fetchall() if hidden in (0, 2, 3)}


def table_checksum(connection: BaseDatabaseWrapper, table: str) -> dict[str, Any]:
    """``{"rows": n, "sha256": hex}`` of one table."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        types = column_types(connection, cursor, table)
        primary_key = connection.introspection.get_primary_key_columns(cursor, table) or []
    columns = sorted(types)
    order = primary_key or columns

    def order_term(column: str) -> str:
        if connection.vendor == "postgresql" and types.get(column) in _TEXT_TYPES:
            return f'{quote(column)} COLLATE "C"'
        return quote(column)

    sql = "SELECT {} FROM {} ORDER BY {}".format(  # identifiers from introspection, quoted
        ", ".join(quote(column) for column in columns),
        quote(table),
        ", ".join(order_term(column) for column in order),
    )
    digest = hashlib.sha256()
    rows = 0
    cursor = connection.chunked_cursor()  # server-side on PostgreSQL: constant memory
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(FETCH_SIZE):
            for row in batch:
                line = json.dumps(list(row), default=_encode, ensure_ascii=False, separators=(",", ":"))
                digest.update(line.encode())
                digest.update(b"\n")
            rows += len(batch)
    finally:
        cursor.close()
    return {"rows": rows, "sha256": digest.hexdigest()}


def table_checksums(connection: BaseDatabaseWrapper) -> TableSums:
    """Row count and checksum of every table of the database behind ``connection``."""
    return {table: table_checksum(connection, table) for table in table_names(connection)}


def applied_migrations(connection: BaseDatabaseWrapper) -> list[str]:
    """``app.name`` of every migration recorded in the database (empty without the table)."""
    if "django_migrations" not in table_names(connection):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]
