"""The list export streams: a 1,000,000-row CSV goes out in bounded memory, formulas neutralised."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

from tandem.web import exports

ROWS = 1_000_000
PEAK_LIMIT = 2 * 1024 * 1024  # bytes; the whole file would be ~40 MB


def _rows() -> Iterator[list[Any]]:
    for number in range(ROWS):
        yield [exports.neutralise(f'=HYPERLINK("x{number}")'), f"Partner {number}", number, "-5", "@sum"]


def test_a_million_rows_stream_in_constant_memory() -> None:
    tracemalloc.start()
    try:
        lines = 0
        size = 0
        first = ""
        for line in exports._csv_lines(["formula", "name", "number", "minus", "at"], _rows()):
            if lines == 1:
                first = line
            lines += 1
            size += len(line)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == ROWS + 1
    assert size > 30 * 1024 * 1024
    assert peak < PEAK_LIMIT, f"peak {peak} bytes"
    assert first.startswith('"\'=HYPERLINK(""x0"")",Partner 0,0,')


def test_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [exports.neutralise(v) for v in ["=1+1", "+48 22", "-5", "@A1", "\tx", "plain", 5]] == [
        "'=1+1",
        "'+48 22",
        "'-5",
        "'@A1",
        "'\tx",
        "plain",
        5,
    ]
