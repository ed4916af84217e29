"""Columns of folded search keys compared by code point on every database.

A list sorted by a name key reads "names that start with the text" as a range of the sorted
index (``key >= 'mar' AND key < 'mar\\U0010ffff'``). That range is exact only when the column
compares by code point: SQLite's default (BINARY) does; PostgreSQL's default collation may
not, and ``LIKE 'mar%'`` there cannot walk the ``(company, name_key, id)`` index in order, so
at 1,000,000 partners it scanned the whole company (2.8 s) to rank a search. A migration
gives such a column the "C" collation on PostgreSQL (:func:`code_point_ordered`); altering the
field later must keep it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def code_point_ordered(table: str, column: str, length: int) -> migrations.RunPython:
    def forward(apps: Any, schema_editor: Any) -> None:
        _collate(schema_editor, table, column, length, '"C"')

    def backward(apps: Any, schema_editor: Any) -> None:
        _collate(schema_editor, table, column, length, '"default"')

    return migrations.RunPython(forward, backward, elidable=False)


def _collate(schema_editor: Any, table: str, column: str, length: int, collation: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} TYPE varchar({length}) COLLATE {collation}"
    )
