"""Bulk writes for loaders that write many rows at once (imports, the demo)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tandem.core import search
from tandem.core.bases import Versioned


class RowInserter:
    """Fast INSERTs: one prepared statement run with ``executemany``.

    ``bulk_create`` builds a model instance per row and, on SQLite, renders a statement for
    every 999 parameters; for 100,000 imported partners, or the large demo, most of the write time went there.
    Rows are dicts of attribute names to database-ready values (str, int, bool, None); every
    other column gets its default, prepared once (a callable default gives every row of the
    batch the same value, e.g. ``created_at``). Rows of a model that has (or feeds) a search
    document are indexed in the same call (``tandem.core.search``). Call inside the writer's transaction: on
    SQLite new keys follow the largest one, which the transaction's write lock keeps free.
    """

    def __init__(self, model: type[Any]) -> None:
        from django.db import connection

        self.model = model
        fields = model._meta.concrete_fields
        template = model()
        self.defaults = {
            f.attname: f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields
        }
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"

    def insert(self, rows: Sequence[dict[str, Any]], ids: Sequence[int] | None = None) -> list[int]:
        """Insert the rows and return their new primary keys, in order: ``ids`` when given (from
        :meth:`new_ids`, for rows that refer to one another), else new ones."""
        from django.db import connection

        if not rows:
            return []
        ids = list(ids) if ids is not None else self.new_ids(len(rows))
        pk = self.model._meta.pk.attname
        values = [
            tuple({**self.defaults, **row, pk: row_id}.values())
            for row, row_id in zip(rows, ids, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, values)
        search.rows_inserted(self.model, rows, ids)
        return ids

    def new_ids(self, count: int) -> list[int]:
        """``count`` new primary keys, to :meth:`insert` with (in the same transaction)."""
        from django.db import connection

        table, column = self.model._meta.db_table, self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                sql = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
                cursor.execute(sql, [table, column, count])
                return [row[0] for row in cursor.fetchall()]
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")
            (largest,) = cursor.fetchone()
            return list(range(largest + 1, largest + 1 + count))


class ChangedRows:
    """Bulk UPDATEs of the fields that really changed, for writers that update many rows.

    ``change(row, values)`` sets the values that differ from the row's and, if any did, keeps
    the row for :meth:`write`, which runs one ``bulk_update`` over the changed columns. A kept
    row gets a new version (``Versioned``) and its ``auto_now`` fields the time of the write,
    as a save would. ``apply`` and ``mark`` split the two steps for a row that also counts as
    changed when a part of it changed (a partner whose address did).
    """

    def __init__(self, model: type[Any], *, batch_size: int = 2000) -> None:
        self.model = model
        self.batch_size = batch_size
        self.rows: dict[int, Any] = {}
        self.fields: set[str] = set()
        self.stamped = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]

    def __len__(self) -> int:
        return len(self.rows)

    def apply(self, row: Any, values: Mapping[str, Any]) -> set[str]:
        """Set the values that differ; returns their names (the row is not kept yet)."""
        changed = {name for name, value in values.items() if getattr(row, name) != value}
        for name in changed:
            setattr(row, name, values[name])
        return changed

    def mark(self, row: Any, fields: Iterable[str] = ()) -> None:
        """Keep ``row`` for the write, with ``fields`` among the columns written."""
        self.fields.update(fields)
        if id(row) in self.rows:
            return
        self.rows[id(row)] = row
        if isinstance(row, Versioned):
            row.version += 1
            self.fields.add("version")

    def change(self, row: Any, values: Mapping[str, Any]) -> bool:
        """:meth:`apply` and, if anything changed, :meth:`mark`; True if it did."""
        changed = self.apply(row, values)
        if changed:
            self.mark(row, changed)
        return bool(changed)

    def write(self) -> int:
        """One ``bulk_update`` of the kept rows; returns how many were written."""
        if not self.rows:
            return 0
        from django.utils import timezone

        now = timezone.now()
        for row in self.rows.values():
            for name in self.stamped:
                setattr(row, name, now)
        columns = sorted({*self.fields, *self.stamped})
        self.model._base_manager.bulk_update(list(self.rows.values()), columns, batch_size=self.batch_size)
        search.rows_updated(self.model, list(self.rows.values()))
        return len(self.rows)


def create_with_links(rows: Sequence[tuple[Any, Iterable[Any]]], field: str) -> None:
    """Insert new rows of one model in one statement and link each to its related rows of the
    many-to-many ``field`` in a second — what ``save()`` and ``<field>.set(...)`` per row do in
    three queries each (a document's lines and their taxes). The rows get their keys; like
    ``bulk_create`` it runs no ``save()`` override and sends no signals (for plain models)."""
    if not rows:
        return
    model = type(rows[0][0])
    model.objects.bulk_create([row for row, _related in rows])
    through = getattr(model, field).through
    source = getattr(model, field).field.m2m_field_name()
    target = getattr(model, field).field.m2m_reverse_field_name()
    links = []
    for row, related in rows:
        for pk in dict.fromkeys(obj.pk for obj in related):  # once each, in the given order
            links.append(through(**{f"{source}_id": row.pk, f"{target}_id": pk}))
    through.objects.bulk_create(links)
