"""CSV and XLSX exports of a list, streamed row by row.

Only the rows the list shows are written (the same ``visible_to`` queryset, filters and
search). A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
tab or carriage return first) is prefixed with ``'`` (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tandem.web.display import Column, as_cell

CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def rows_of(rows: QuerySet[Any], columns: Sequence[Column]) -> Iterator[list[Any]]:
    for obj in rows.iterator(chunk_size=CHUNK_SIZE):
        yield [neutralise(as_cell(column.value(obj))) for column in columns]


class _Echo:
    """A file-like object whose ``write`` hands back the line, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list[str], body: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM lets spreadsheets read UTF-8
    for row in body:
        yield writer.writerow([_csv_text(value) for value in row])


def _csv_text(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(rows: QuerySet[Any], columns: Sequence[Column], stem: str) -> StreamingHttpResponse:
    header = [str(column.label) for column in columns]
    response = StreamingHttpResponse(
        _csv_lines(header, rows_of(rows, columns)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(stem, "csv")}"'
    return response


def xlsx_response(rows: QuerySet[Any], columns: Sequence[Column], stem: str, title: str) -> FileResponse:
    """A write-only workbook (constant memory) spooled to a temporary file, then streamed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([str(column.label) for column in columns])
    for row in rows_of(rows, columns):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename(stem, "xlsx"), content_type=XLSX_TYPE)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
