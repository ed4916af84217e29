"""Exact query counts per page, pinned in ``tests/query_counts.json`` per database vendor.

    def test_partner_list(pinned_queries, …):
        pinned_queries.check("partners:list", lambda: client.get(url))

runs the request once to warm the per-process caches, then counts the queries of a second
run and compares with the pinned count. A different count fails the test with the queries
run and the command that re-pins them: ``pytest --update-query-counts <tests>`` (once on
SQLite and once with ``DATABASE_URL=postgresql://…``, as the counts are kept per vendor).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

PINNED_FILE = Path(__file__).resolve().parents[1] / "query_counts.json"
OPTION = "--update-query-counts"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        help=f"write the query counts measured by this run into {PINNED_FILE.name} instead of checking them",
    )


def read_pinned() -> dict[str, dict[str, int]]:
    if not PINNED_FILE.exists():
        return {}
    return dict(json.loads(PINNED_FILE.read_text()))


def pin(key: str, vendor: str, count: int) -> None:
    """Write one count, under a lock: xdist workers update the file at the same time."""
    with open(PINNED_FILE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pinned = read_pinned()
        pinned.setdefault(key, {})[vendor] = count
        PINNED_FILE.write_text(json.dumps(pinned, indent=2, sort_keys=True) + "\n")


class PinnedQueries:
    def __init__(self, update: bool) -> None:
        self.update = update

    def measure(self, run: Callable[[], Any]) -> list[str]:
        run()  # warm: content types, permissions and other per-process caches
        with CaptureQueriesContext(connection) as captured:
            run()
        return [query["sql"] for query in captured.captured_queries]

    def check(self, key: str, run: Callable[[], Any], grow: Callable[[], Any] | None = None) -> int:
        """The number of queries ``run`` makes, which must equal the pinned one.

        With ``grow`` (adds rows), ``run`` is measured again after it and must make exactly as
        many queries: a page whose count follows its rows queries once per row.
        """
        queries = self.measure(run)
        if grow is not None:
            grow()
            more = self.measure(run)
            if len(more) != len(queries):
                pytest.fail(
                    f"{key!r} ran {len(queries)} queries, then {len(more)} with more rows: a query per row?\n"
                    + "\n".join(f"  {number}. {sql}" for number, sql in enumerate(more, 1)),
                    pytrace=False,
                )
        vendor = connection.vendor
        if self.update:
            pin(key, vendor, len(queries))
            return len(queries)
        expected = read_pinned().get(key, {}).get(vendor)
        if expected != len(queries):
            pytest.fail(mismatch(key, vendor, expected, queries), pytrace=False)
        return len(queries)


def mismatch(key: str, vendor: str, expected: int | None, queries: list[str]) -> str:
    pinned = f"{expected} are pinned" if expected is not None else "none are pinned"
    listing = "\n".join(f"  {number}. {sql}" for number, sql in enumerate(queries, 1))
    return (
        f"{key!r} ran {len(queries)} queries on {vendor}; {pinned} in tests/{PINNED_FILE.name}.\n"
        f"If the change is intended, re-pin the counts: `pytest {OPTION} <these tests>`, on SQLite and "
        f"again with DATABASE_URL=postgresql://… for PostgreSQL.\nThe queries:\n{listing}"
    )


@pytest.fixture
def pinned_queries(request: pytest.FixtureRequest) -> PinnedQueries:
    return PinnedQueries(update=bool(request.config.getoption(OPTION)))
