"""The list export streams: a 1,000,000-row CSV goes out in bounded memory, formulas neutralised."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

from tandem.core.cells import safe_cell
from tandem.web import exports

ROWS = 1_000_000
PEAK_LIMIT = 2 * 1024 * 1024  # bytes; the whole file would be ~40 MB


def _batches() -> Iterator[list[list[Any]]]:
    for start in range(0, ROWS, exports.BATCH):
        yield [
            [safe_cell(f'=HYPERLINK("x{number}")'), f"Partner {number}", number, "-5", "@sum"]
            for number in range(start, min(start + exports.BATCH, ROWS))
        ]


def test_a_million_rows_stream_in_constant_memory() -> None:
    tracemalloc.start()
    try:
        chunks = 0
        size = 0
        first = ""
        for chunk in exports._csv_chunks(["formula", "name", "number", "minus", "at"], _batches()):
            if chunks == 1:
                first = chunk[:200]
            chunks += 1
            size += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunks == ROWS // exports.BATCH + 1
    assert size > 30 * 1024 * 1024
    assert peak < PEAK_LIMIT, f"peak {peak} bytes"
    assert first.startswith('"\'=HYPERLINK(""x0"")",Partner 0,0,')


def test_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    assert [safe_cell(v) for v in ["=1+1", "+48 22", "-5", "@A1", "\tx", "plain", 5]] == [
        "'=1+1",
        "'+48 22",
        "'-5",
        "'@A1",
        "'\tx",
        "plain",
        5,
    ]
