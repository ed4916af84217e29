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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, Model, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from tandem.core.cells import FORMULA_STARTS, safe_cell
from tandem.web import xlsx
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
) -> Iterator[tuple[list[Any], QuerySet[Any]]]:
    """``rows`` in ``key`` order, ``BATCH`` at a time, each with the query that read it;
    ``fetch`` ends each row with (sort value, pk)."""
    after: tuple[Any, Any] | None = None
    ordered = rows.order_by(*key.ordering())
    while True:
        page = (ordered.filter(key.beyond(*after)) if after is not None else ordered)[:BATCH]
        batch = fetch(page)
        if not batch:
            return
        yield batch, page
        if len(batch) < BATCH:
            return
        after = batch[-1][-2], batch[-1][-1]


Prepare = Callable[[list[Any]], None]  # sets what the columns read on a batch's rows at once


def rows_of(
    rows: QuerySet[Any],
    columns: Sequence[Column],
    key: SortKey,
    *,
    text_dates: bool = False,
    prepare: Prepare | None = None,
) -> Iterator[list[Sequence[Any]]]:
    """The export's cells, a batch of rows at a time, each cell ready for a file: text passed
    through :func:`safe_cell`, numbers and dates typed (dates as ISO text when ``text_dates``,
    for a CSV file). ``prepare`` runs on each batch's instances before their cells are read
    (the list's ``prepare``: values computed for a batch at once)."""
    model = rows.model
    plans = _positioned([_plan(model, rows, column) for column in columns])
    if all(plan is not None for plan in plans):
        yield from _value_rows(rows.prefetch_related(None), plans, key, text_dates)  # type: ignore[arg-type]
    else:
        yield from _instance_rows(rows, columns, key, text_dates, prepare)


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


Values = list[tuple[Any, ...]]  # a batch by column: values[position], … values[-1] the pks
Many = dict[str, dict[Any, list[str]]]
ColumnCells = Callable[[Values, Many], list[Any]]


def _value_rows(
    rows: QuerySet[Any], plans: list[_Plain | _ToMany], key: SortKey, text_dates: bool
) -> Iterator[list[Sequence[Any]]]:
    """Column by column: each column's cells come from one function chosen once per export (a
    label or a name looked up, a date moved to local time, the column's own formatting, text
    made safe), run over the batch's values of that column; then zipped back into rows."""
    names = _Names()
    plain = [plan for plan in plans if isinstance(plan, _Plain)]
    fields = [plan.path for plan in plain]
    zone = timezone.get_current_timezone()
    makers = [_column_cells(plan, names, zone, text_dates) for plan in plans]

    def fetch(page: QuerySet[Any]) -> list[Any]:
        return list(page.values_list(*fields, key.field, "pk"))

    for batch, page in _batches(rows, key, fetch):
        values = list(zip(*batch, strict=True))
        many = _to_many(rows.model, plans, page, names)
        for position, plan in enumerate(plain):
            if plan.related is not None:
                names.load(plan.related, set(values[position]))
        yield list(zip(*[make(values, many) for make in makers], strict=True))


def _to_many(model: type[Model], plans: list[_Plain | _ToMany], page: QuerySet[Any], names: _Names) -> Many:
    """``{path: {row pk: [related names]}}`` for the batch's to-many columns, one query each;
    the batch's rows are named by its own query as a subquery (2,000 ids as parameters cost
    Django more than the database spends reading the batch again)."""
    found: Many = {}
    batch = page.values("pk")
    for plan in plans:
        if not isinstance(plan, _ToMany):
            continue
        pairs = list(
            model._base_manager.filter(pk__in=batch, **{f"{plan.path}__isnull": False}).values_list(
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


def _column_cells(plan: _Plain | _ToMany, names: _Names, zone: Any, text_dates: bool) -> ColumnCells:
    """The function that turns a batch's values of one column into its cells."""
    finish = _finisher(text_dates)
    shown = plan.shown if isinstance(plan, _Plain) else None
    if isinstance(plan, _Plain) and plan.moment and shown is None:
        return _moments(plan.position, zone, text_dates)  # a date is never a formula: no finish
    read = _column_reader(plan, names, zone)
    if shown is None:
        return lambda values, many: finish(read(values, many))
    return lambda values, many: finish([shown(value) for value in read(values, many)])


def _moments(position: int, zone: Any, text_dates: bool) -> ColumnCells:
    """A date and time column's cells: local time without a zone (ISO text for a CSV)."""
    if text_dates:
        return lambda values, _many: [
            value.astimezone(zone).replace(tzinfo=None).isoformat() if value else ""
            for value in values[position]
        ]
    return lambda values, _many: [
        value.astimezone(zone).replace(tzinfo=None) if value else "" for value in values[position]
    ]


def _column_reader(plan: _Plain | _ToMany, names: _Names, zone: Any) -> ColumnCells:
    if isinstance(plan, _ToMany):
        path = plan.path

        def joined(values: Values, many: Many) -> list[Any]:
            by_row = many[path]
            return [", ".join(sorted(by_row.get(pk, ()), key=str.casefold)) for pk in values[-1]]

        return joined
    position = plan.position
    if plan.related is not None:
        known = names.known[plan.related]  # filled in place by ``names.load`` batch by batch
        return lambda values, _many: [known.get(value, "") for value in values[position]]
    if plan.choices is not None:
        labels = plan.choices
        return lambda values, _many: [labels.get(value, value) for value in values[position]]
    if plan.moment:
        return lambda values, _many: [
            value.astimezone(zone).replace(tzinfo=None) if value else "" for value in values[position]
        ]
    return lambda values, _many: list(values[position])


def _finisher(text_dates: bool) -> Callable[[Sequence[Any]], list[Any]]:
    """Cells from values: text that is printable and starts no formula is kept as it is (most
    cells, no call); anything else goes through :func:`as_cell` and :func:`safe_cell`."""
    slow = _csv_cell if text_dates else _cell
    starts = FORMULA_STARTS

    def finish(values: Sequence[Any]) -> list[Any]:
        return [
            value
            if value.__class__ is str and value.isprintable() and not value.startswith(starts)
            else slow(value)
            for value in values
        ]

    return finish


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return safe_cell(as_cell(value))


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value.__class__ is str:
        return safe_cell(value)
    value = safe_cell(as_cell(value))
    return value.isoformat() if hasattr(value, "isoformat") else value


def _instance_rows(
    rows: QuerySet[Any], columns: Sequence[Column], key: SortKey, text_dates: bool, prepare: Prepare | None
) -> Iterator[list[Sequence[Any]]]:
    finish = _finisher(text_dates)

    def fetch(page: QuerySet[Any]) -> list[Any]:
        return [(obj, getattr(obj, key.field), obj.pk) for obj in page]

    for batch, _page in _batches(rows, key, fetch):
        if prepare is not None:
            prepare([obj for obj, _sort, _pk in batch])
        yield [finish([column.value(obj) for column in columns]) for obj, _sort, _pk in batch]


# --- writing the files --------------------------------------------------------------------


def _csv_chunks(header: list[str], batches: Iterator[Sequence[Sequence[Any]]]) -> Iterator[str]:
    """One string per batch: a streamed response pays per chunk, not per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(text) for text in header])
    yield "\ufeff" + buffer.getvalue()  # the BOM lets spreadsheets read UTF-8
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(
    rows: QuerySet[Any], columns: Sequence[Column], stem: str, key: SortKey, *, prepare: Prepare | None = None
) -> StreamingHttpResponse:
    header = [str(column.label) for column in columns]
    batches = rows_of(rows, columns, key, text_dates=True, prepare=prepare)
    response = StreamingHttpResponse(_csv_chunks(header, batches), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def xlsx_response(
    rows: QuerySet[Any],
    columns: Sequence[Column],
    stem: str,
    title: str,
    key: SortKey,
    *,
    prepare: Prepare | None = None,
) -> StreamingHttpResponse:
    """The workbook streamed as it is written, a batch of rows at a time (constant memory)."""
    header = [str(column.label) for column in columns]
    return _workbook(header, rows_of(rows, columns, key, prepare=prepare), stem, title)


def xlsx_table_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], stem: str, title: str
) -> StreamingHttpResponse:
    """A workbook of rows that are not a list's queryset (a report's computed rows): numbers
    and dates stay typed cells, text passes :func:`safe_cell` like every other export."""
    batches = _chunked(([safe_cell(as_cell(value)) for value in row] for row in rows), BATCH)
    return _workbook(header, batches, stem, title)


def csv_table_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], stem: str
) -> StreamingHttpResponse:
    """A CSV file of rows that are not a list's queryset (a report's computed rows), written as
    a list's CSV: dates in ISO, every cell through :func:`safe_cell`."""
    batches = _chunked(([_csv_cell(value) for value in row] for row in rows), BATCH)
    response = StreamingHttpResponse(
        _csv_chunks([str(text) for text in header], batches), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def _chunked(rows: Iterator[list[Any]], size: int) -> Iterator[list[list[Any]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _workbook(
    header: Sequence[str], batches: Iterable[Sequence[Sequence[Any]]], stem: str, title: str
) -> StreamingHttpResponse:
    chunks = xlsx.workbook_chunks(_sheet_title(title), [safe_cell(str(text)) for text in header], batches)
    response = StreamingHttpResponse(chunks, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "xlsx")}"'
    return response


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
