"""Reading CSV and XLSX exports, and telling whether a cell is a formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook

# Spreadsheets skip leading blanks and control characters before deciding a cell is a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@")
BLANKS = "".join(map(chr, range(33)))  # control characters and the space
# Every way a cell can start a formula, including a control character before "=".
FORMULA_STARTS = ("=", "+", "-", "@", "\t=", "\r=", "\n=", "\x0b=")


def formula_payloads() -> list[str]:
    """One text per start, each telling itself apart by its arguments."""
    return [f"{start}SUM({number},1)" for number, start in enumerate(FORMULA_STARTS)]


@dataclass(frozen=True)
class Cell:
    value: Any
    is_formula: bool = False  # stored as a formula (XLSX), not as text


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def csv_rows(response: Any) -> list[list[Cell]]:
    text = body(response).decode("utf-8-sig")
    return [[Cell(value) for value in row] for row in csv.reader(io.StringIO(text))]


def xlsx_rows(response: Any) -> list[list[Cell]]:
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert sheet is not None
    return [[Cell(cell.value, cell.data_type == "f") for cell in row] for row in sheet.iter_rows()]


def export_rows(response: Any, fmt: str) -> list[list[Cell]]:
    assert response.status_code == 200, f"{fmt} export answered {response.status_code}"
    return xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)


def texts(rows: list[list[Cell]]) -> set[str]:
    return {str(cell.value) for row in rows for cell in row if cell.value is not None}


def is_live_formula(cell: Cell) -> bool:
    if cell.is_formula:
        return True
    if not isinstance(cell.value, str):
        return False
    return cell.value.lstrip(BLANKS)[:1] in FORMULA_TRIGGERS


def cell_holding(rows: list[list[Cell]], payload: str) -> Cell:
    """The cell that carries ``payload`` (however it was escaped or trimmed)."""
    core = payload.lstrip(BLANKS).lstrip("=+-@")
    for row in rows[1:]:
        for cell in row:
            if isinstance(cell.value, str) and cell.value.endswith(core):
                return cell
    raise AssertionError(f"no cell carries {payload!r}")
