"""CSV and XLSX exports of a list, read from the database in keyset batches and streamed.

Only the rows the list shows are written: the caller passes the list's own queryset
(``visible_to`` record rules, filters and search) and its sort key. The rows are read
``BATCH`` at a time with ``WHERE (sort, id) > (last sort, last id) … LIMIT n``, so memory
stays flat and no query holds the database for the whole download.

Columns that name fields (``"email"``, ``"owner"``, ``"owner.first_name"``, a choice, a
to-many relation, an annotation of the queryset) are read as plain values with
``values_list`` — no model instance per row; related records are looked up once per batch
and remembered. A column computed by a function needs the model instance, so a list with
one reads instances instead (the same batches, slower).

Every cell passes :func:`tandem.core.cells.safe_cell` last: control characters removed,
formulas turned into text.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, Model, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from tandem.core.cells import safe_cell
from tandem.web.display import Column, as_cell
from tandem.web.keyset import SortKey

BATCH = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- reading the rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Plain:
    """A column read with ``values_list``: a field, a path through foreign keys, an annotation."""

    path: str
    related: type[Model] | None = None  # a foreign key: the value is a pk of this model
    choices: dict[Any, str] | None = None  # a field with choices: the value's label
    moment: bool = False  # a date and time, written in the current time zone
    position: int = 0  # where the value sits in the ``values_list`` row
    shown: Callable[[Any], Any] | None = None  # the column's ``shown``, applied to the value


@dataclass(frozen=True)
class _ToMany:
    """A column over a to-many relation: one query per batch, ``pk → related pks``."""

    path: str
    related: type[Model]


def _plan(model: type[Model], rows: QuerySet[Any], column: Column) -> _Plain | _ToMany | None:
    """How to read ``column`` without model instances, or None when only an instance will do."""
    plan = _field_plan(model, rows, column)
    if column.shown is None:
        return plan
    return replace(plan, shown=column.shown) if isinstance(plan, _Plain) else None


def _field_plan(model: type[Model], rows: QuerySet[Any], column: Column) -> _Plain | _ToMany | None:
    accessor = column.accessor if column.accessor is not None else column.name
    if callable(accessor):
        return None
    parts = accessor.split(".")
    if len(parts) == 1 and parts[0] in rows.query.annotations:
        return _Plain(parts[0])
    current = model
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        last = index == len(parts) - 1
        path = "__".join(parts[: index + 1])
        if field.many_to_many or field.one_to_many:
            return _ToMany(path, field.related_model) if last else None  # type: ignore[arg-type]
        if field.is_relation:
            if last:
                return _Plain(path, related=field.related_model)  # type: ignore[arg-type]
            current = field.related_model  # type: ignore[assignment]
            continue
        if not last:
            return None
        choices = getattr(field, "flatchoices", None)
        if choices:
            return _Plain(path, choices={value: str(label) for value, label in choices})
        return _Plain(path, moment=isinstance(field, DateTimeField))
    return None


class _Names:
    """``str()`` of related records, fetched in bulk the first time a batch names them."""

    def __init__(self) -> None:
        self.known: dict[type[Model], dict[Any, str]] = defaultdict(dict)

    def load(self, model: type[Model], pks: set[Any]) -> None:
        known = self.known[model]
        missing = [pk for pk in pks if pk is not None and pk not in known]
        for start in range(0, len(missing), BATCH):
            for obj in model._base_manager.filter(pk__in=missing[start : start + BATCH]):
                known[obj.pk] = str(obj)


def _batches(
    rows: QuerySet[Any], key: SortKey, fetch: Callable[[QuerySet[Any]], list[Any]]
) -> Iterator[list[Any]]:
    """``rows`` in ``key`` order, ``BATCH`` at a time; ``fetch`` ends each row with (sort value, pk)."""
    after: tuple[Any, Any] | None = None
    ordered = rows.order_by(*key.ordering())
    while True:
        page = ordered.filter(key.beyond(*after)) if after is not None else ordered
        batch = fetch(page[:BATCH])
        if not batch:
            return
        yield batch
        if len(batch) < BATCH:
            return
        after = batch[-1][-2], batch[-1][-1]


def rows_of(rows: QuerySet[Any], columns: Sequence[Column], key: SortKey) -> Iterator[list[list[Any]]]:
    """The export's cells, a batch of rows at a time, each cell ready for a file."""
    model = rows.model
    plans = _positioned([_plan(model, rows, column) for column in columns])
    if all(plan is not None for plan in plans):
        yield from _value_rows(rows.prefetch_related(None), plans, key)  # type: ignore[arg-type]
    else:
        yield from _instance_rows(rows, columns, key)


def _positioned(plans: list[_Plain | _ToMany | None]) -> list[_Plain | _ToMany | None]:
    """Each plain column with its place in the ``values_list`` row."""
    placed: list[_Plain | _ToMany | None] = []
    position = 0
    for plan in plans:
        if isinstance(plan, _Plain):
            plan = replace(plan, position=position)
            position += 1
        placed.append(plan)
    return placed


def _value_rows(
    rows: QuerySet[Any], plans: list[_Plain | _ToMany], key: SortKey
) -> Iterator[list[list[Any]]]:
    names = _Names()
    plain = [plan for plan in plans if isinstance(plan, _Plain)]
    fields = [plan.path for plan in plain]
    zone = timezone.get_current_timezone()

    def fetch(page: QuerySet[Any]) -> list[Any]:
        return list(page.values_list(*fields, key.field, "pk"))

    for batch in _batches(rows, key, fetch):
        many = _to_many(rows.model, plans, [row[-1] for row in batch], names)
        for position, plan in enumerate(plain):
            if plan.related is not None:
                names.load(plan.related, {row[position] for row in batch})
        readers = [_reader(plan, many, names, zone) for plan in plans]
        yield [_value_row(row, readers) for row in batch]


def _to_many(
    model: type[Model], plans: list[_Plain | _ToMany], pks: list[Any], names: _Names
) -> dict[str, dict[Any, list[str]]]:
    """``{path: {row pk: [related names]}}`` for the batch's to-many columns, one query each."""
    found: dict[str, dict[Any, list[str]]] = {}
    for plan in plans:
        if not isinstance(plan, _ToMany):
            continue
        pairs = list(
            model._base_manager.filter(pk__in=pks, **{f"{plan.path}__isnull": False}).values_list(
                "pk", plan.path
            )
        )
        names.load(plan.related, {related for _pk, related in pairs})
        known = names.known[plan.related]
        by_row: dict[Any, list[str]] = defaultdict(list)
        for pk, related in pairs:
            by_row[pk].append(known.get(related, ""))
        found[plan.path] = by_row
    return found


Reader = Callable[[tuple[Any, ...]], Any]


def _reader(
    plan: _Plain | _ToMany, many: dict[str, dict[Any, list[str]]], names: _Names, zone: Any
) -> Reader:
    """A function from a ``values_list`` row to the column's cell, chosen once per batch."""
    read = _value_reader(plan, many, names, zone)
    shown = plan.shown if isinstance(plan, _Plain) else None
    if shown is None:
        return read
    return lambda row: shown(read(row))


def _value_reader(
    plan: _Plain | _ToMany, many: dict[str, dict[Any, list[str]]], names: _Names, zone: Any
) -> Reader:
    if isinstance(plan, _ToMany):
        by_row = many[plan.path]
        return lambda row: ", ".join(sorted(by_row.get(row[-1], ()), key=str.casefold))
    position = plan.position
    if plan.related is not None:
        known = names.known[plan.related]
        return lambda row: "" if row[position] is None else known.get(row[position], "")
    if plan.choices is not None:
        labels = plan.choices
        return lambda row: labels.get(row[position], row[position])
    if plan.moment:
        return lambda row: row[position].astimezone(zone).replace(tzinfo=None) if row[position] else ""
    return lambda row: row[position]


def _value_row(row: tuple[Any, ...], readers: list[Reader]) -> list[Any]:
    cells = []
    for read in readers:
        value = read(row)
        if value.__class__ is str:
            cells.append(safe_cell(value))
        else:
            cells.append(safe_cell(as_cell(value)))
    return cells


def _instance_rows(rows: QuerySet[Any], columns: Sequence[Column], key: SortKey) -> Iterator[list[list[Any]]]:
    def fetch(page: QuerySet[Any]) -> list[Any]:
        return [(obj, getattr(obj, key.field), obj.pk) for obj in page]

    for batch in _batches(rows, key, fetch):
        yield [[safe_cell(as_cell(column.value(obj))) for column in columns] for obj, _sort, _pk in batch]


# --- writing the files --------------------------------------------------------------------


def _csv_chunks(header: list[str], batches: Iterator[list[list[Any]]]) -> Iterator[str]:
    """One string per batch: a streamed response pays per chunk, not per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(text) for text in header])
    yield "\ufeff" + buffer.getvalue()  # the BOM lets spreadsheets read UTF-8
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([[_csv_text(value) for value in row] for row in batch])
        yield buffer.getvalue()


def _csv_text(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(
    rows: QuerySet[Any], columns: Sequence[Column], stem: str, key: SortKey
) -> StreamingHttpResponse:
    header = [str(column.label) for column in columns]
    response = StreamingHttpResponse(
        _csv_chunks(header, rows_of(rows, columns, key)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def xlsx_response(
    rows: QuerySet[Any], columns: Sequence[Column], stem: str, title: str, key: SortKey
) -> FileResponse:
    """A write-only workbook (constant memory) spooled to a temporary file, then streamed."""
    header = [str(column.label) for column in columns]
    return _workbook(header, (row for batch in rows_of(rows, columns, key) for row in batch), stem, title)


def xlsx_table_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], stem: str, title: str
) -> FileResponse:
    """A workbook of rows that are not a list's queryset (a report's computed rows): numbers
    and dates stay typed cells, text passes :func:`safe_cell` like every other export."""
    return _workbook(header, ([safe_cell(as_cell(value)) for value in row] for row in rows), stem, title)


def _workbook(header: Sequence[str], rows: Iterable[Sequence[Any]], stem: str, title: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([safe_cell(str(text)) for text in header])
    for row in rows:
        sheet.append(row)
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename(stem, "xlsx"), content_type=XLSX_TYPE)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
