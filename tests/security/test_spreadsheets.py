"""Spreadsheet bombs: small files that would cost minutes or gigabytes to read are refused cheaply.

Each file is read in a forked child with a CPU limit (``costs.measure``), so a reader that
would spin for minutes (as before: 437 s for a 4.7 KB workbook) fails the test instead of
hanging it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tandem.integrations.imports import reading
from tandem.integrations.imports.models import ImportRun
from tests.security.costs import Cost, measure

REFUSAL_CPU = 3.0  # seconds: "a few seconds"
REFUSAL_MEMORY_MB = 200
UPLOAD_LIMIT = 50 * 1024 * 1024


def _assert_refused_cheaply(data: bytes, name: str, message: str = "") -> Cost:
    assert len(data) < UPLOAD_LIMIT
    cost = measure(lambda: reading.inspect(data, name), reading.BadFile)
    assert cost.refusal is not None, f"{name} ({len(data):,} bytes) was accepted"
    assert message in cost.refusal
    assert cost.cpu_seconds < REFUSAL_CPU, cost
    assert cost.peak_mb < REFUSAL_MEMORY_MB, cost
    return cost


# --- files ------------------------------------------------------------------------------------


def _workbook(rows: list[list[Any]], patch: Callable[[bytes], bytes] | None = None) -> bytes:
    """An XLSX of ``rows``; ``patch`` rewrites its sheet's XML, packed as tightly as zip can."""
    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    plain = io.BytesIO()
    book.save(plain)
    if patch is None:
        return plain.getvalue()
    patched = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for part in source.infolist():
            content = source.read(part.filename)
            if part.filename == "xl/worksheets/sheet1.xml":
                content = patch(content)
            target.writestr(part.filename, content)
    return patched.getvalue()


def _declaring(dimension: str, last_row: int | None = None) -> Callable[[bytes], bytes]:
    """Declare ``dimension``, and optionally put a cell in ``last_row`` far below the data."""

    def patch(xml: bytes) -> bytes:
        start, end = xml.index(b"<dimension "), xml.index(b"/>", xml.index(b"<dimension ")) + 2
        xml = xml[:start] + b'<dimension ref="' + dimension.encode() + b'"/>' + xml[end:]
        if last_row is not None:
            far = f'<row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
            xml = xml.replace(b"</sheetData>", far.encode() + b"</sheetData>")
        return xml

    return patch


def _with_text(characters: int, letters: bytes = b"A") -> Callable[[bytes], bytes]:
    text = (letters * (characters // len(letters) + 1))[:characters]
    return lambda xml: xml.replace(b"<t>x</t>", b"<t>" + text + b"</t>", 1)


ROWS = [["name", "email"], ["x", "a@example.com"]]


# --- the reported files -----------------------------------------------------------------------


def test_a_workbook_declaring_every_cell_of_a_sheet_is_refused_before_reading() -> None:
    """4.7 KB declaring A1:XFD1048576, with a cell in the last row: 437 s of CPU, then accepted."""
    bomb = _workbook(ROWS, _declaring("A1:XFD1048576", last_row=1_048_576))
    assert len(bomb) < 10_000
    _assert_refused_cheaply(bomb, "partners.xlsx", "16,384 columns")


def test_a_workbook_unpacking_to_a_huge_string_is_refused_before_unpacking() -> None:
    """A few hundred KB unpacking to a 200 MB cell: it was read whole (1.33 GB) before refusal."""
    bomb = _workbook(ROWS, _with_text(200 * 1024 * 1024))
    assert len(bomb) < 300 * 1024
    _assert_refused_cheaply(bomb, "partners.xlsx", "zip bomb")


def test_a_loosely_packed_overlong_cell_is_refused_without_parsing_it() -> None:
    """Text that compresses like real text passes the packing check; its length refuses it."""
    words = b" ".join(b"%06x" % (number * 2654435761 % 16777216) for number in range(200_000))
    bomb = _workbook(ROWS, _with_text(8 * 1024 * 1024, words))
    _assert_refused_cheaply(bomb, "partners.xlsx", "more than 10,000 characters")


@pytest.mark.parametrize("columns", [100_000, 1_000_000])
def test_a_csv_with_a_hundred_thousand_columns_is_refused(columns: int) -> None:
    """100,000 columns took the mapping page 116 s and ~1 GB; 1,000,000 were accepted."""
    header = ",".join(f"c{number}" for number in range(columns))
    row = ",".join("x" for _ in range(columns))
    _assert_refused_cheaply(f"{header}\n{row}\n".encode(), "wide.csv", f"{columns:,} columns")


def test_a_row_wider_than_the_limit_below_a_narrow_header_is_refused() -> None:
    wide_row = ",".join(["Acme", "a@example.com", *["x"] * 5_000])
    _assert_refused_cheaply(f"name,email\n{wide_row}\n".encode(), "partners.csv", "columns")


def test_a_workbook_that_declares_nothing_but_has_a_cell_in_the_last_column_is_refused() -> None:
    def far_cell(xml: bytes) -> bytes:
        start, end = xml.index(b"<dimension "), xml.index(b"/>", xml.index(b"<dimension ")) + 2
        xml = xml[:start] + xml[end:]
        return xml.replace(b"</row>", b'<c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>', 1)

    _assert_refused_cheaply(_workbook(ROWS, far_cell), "partners.xlsx", "16,384 columns")


def test_more_cells_than_the_limit_are_refused_whatever_the_file_declares(settings: Any) -> None:
    settings.TANDEM_IMPORT_MAX_CELLS = 1_000
    rows = [["name", "email"]] + [[f"Partner {number}", f"p{number}@example.com"] for number in range(600)]
    lying = _workbook(rows, _declaring("A1:B2"))
    _assert_refused_cheaply(lying, "partners.xlsx", "1,000 cells")
    text = "".join(f"{name},{email}\n" for name, email in rows)
    _assert_refused_cheaply(text.encode(), "partners.csv", "1,000 cells")


def test_an_ordinary_workbook_and_csv_are_still_read() -> None:
    rows = [["name", "email"]] + [[f"Partner {number}", f"p{number}@example.com"] for number in range(50)]
    for data, name in [(_workbook(rows), "partners.xlsx"), (_workbook(rows, lambda xml: xml), "again.xlsx")]:
        source = reading.inspect(data, name)
        assert (source.headers, source.row_count) == (["name", "email"], 50)
    text = "".join(",".join(row) + "\n" for row in rows).encode()
    assert reading.inspect(text, "partners.csv").row_count == 50


@pytest.mark.django_db
def test_the_upload_page_says_why_and_keeps_nothing(client: Any, manager: Any) -> None:
    client.force_login(manager)
    bomb = _workbook(ROWS, _declaring("A1:XFD1048576", last_row=1_048_576))
    upload = io.BytesIO(bomb)
    upload.name = "partners.xlsx"
    response = client.post("/imports/?spec=partners.partner", {"spec": "partners.partner", "file": upload})
    assert response.status_code == 200
    assert "16,384 columns" in response.content.decode()
    assert not ImportRun.objects.exists()


# --- the property -----------------------------------------------------------------------------


def _column_letters(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


declared_bombs = st.tuples(st.integers(1, 16_384), st.integers(2, 1_048_576)).filter(
    lambda size: size[0] > 1_000 or size[0] * size[1] > 10_000_000 or size[1] > 1_000_001
)


@dataclass(frozen=True)
class Bomb:
    kind: str
    size: tuple[int, ...]
    data: bytes = field(repr=False)
    name: str = "bomb.xlsx"


@st.composite
def bombs(draw: st.DrawFn) -> Bomb:
    kind = draw(st.sampled_from(["declared", "packed", "loose", "wide-csv", "many-cells-csv"]))
    if kind == "declared":
        columns, rows = draw(declared_bombs)
        patch = _declaring(f"A1:{_column_letters(columns)}{rows}", last_row=rows)
        return Bomb(kind, (columns, rows), _workbook(ROWS, patch))
    if kind == "packed":
        megabytes = draw(st.integers(2, 300))
        return Bomb(kind, (megabytes,), _workbook(ROWS, _with_text(megabytes * 1024 * 1024)))
    if kind == "loose":
        letters = draw(st.text(st.characters(codec="utf-8", exclude_characters="<&\r"), min_size=64))
        characters = draw(st.integers(60_000, 4_000_000))
        return Bomb(kind, (characters,), _workbook(ROWS, _with_text(characters, _xml_text(letters))))
    if kind == "wide-csv":
        columns = draw(st.integers(1_001, 2_000_000))
        return Bomb(kind, (columns,), ("a," * columns + "\n" + "x," * columns + "\n").encode(), "bomb.csv")
    rows = draw(st.integers(3_400_000, 12_000_000))  # 3 cells a row: past 10,000,000 cells
    return Bomb(kind, (rows,), b"a,b\n" + b",,\n" * rows, "bomb.csv")


def _xml_text(text: str) -> bytes:
    """Characters XML allows in text (no control characters but tab and newline)."""
    allowed = "".join(ch for ch in text if ch in "\t\n" or (ch >= " " and ch not in "\ufffe\uffff"))
    return (allowed or "x").encode()


@pytest.mark.slow
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(bomb=bombs())
def test_no_file_under_fifty_megabytes_costs_much_to_refuse(bomb: Bomb) -> None:
    if len(bomb.data) >= UPLOAD_LIMIT:
        return  # refused by its size alone
    _assert_refused_cheaply(bomb.data, bomb.name)
