"""Pinned query counts: a change in count fails with the way to re-pin; the flag re-pins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db import connection

from tandem.core.models import Currency
from tests.kit import query_counts
from tests.kit.query_counts import PinnedQueries

pytestmark = pytest.mark.django_db


@pytest.fixture
def pinned_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "query_counts.json"
    monkeypatch.setattr(query_counts, "PINNED_FILE", path)
    return path


def queries(count: int) -> None:
    for _ in range(count):
        list(Currency.objects.all()[:1])


def test_the_flag_pins_the_count_of_this_database(pinned_file: Path) -> None:
    PinnedQueries(update=True).check("home", lambda: queries(2))
    assert json.loads(pinned_file.read_text()) == {"home": {connection.vendor: 2}}
    assert PinnedQueries(update=False).check("home", lambda: queries(2)) == 2


def test_a_different_count_fails_and_says_how_to_re_pin(pinned_file: Path) -> None:
    PinnedQueries(update=True).check("home", lambda: queries(2))
    with pytest.raises(pytest.fail.Exception) as failure:
        PinnedQueries(update=False).check("home", lambda: queries(3))
    message = str(failure.value)
    assert "'home' ran 3 queries" in message and "2 are pinned" in message
    assert "pytest --update-query-counts" in message
    assert "SELECT" in message  # the queries, to see which one is new


def test_an_unpinned_page_fails(pinned_file: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="none are pinned"):
        PinnedQueries(update=False).check("home", lambda: queries(1))


def test_a_page_whose_queries_follow_its_rows_fails(pinned_file: Path) -> None:
    rows = [1]
    with pytest.raises(pytest.fail.Exception, match="a query per row"):
        PinnedQueries(update=True).check("list", lambda: queries(len(rows)), grow=lambda: rows.append(2))


def test_the_warm_up_run_is_not_counted(pinned_file: Path) -> None:
    runs = iter([5, 1])
    assert PinnedQueries(update=True).check("cached", lambda: queries(next(runs))) == 1
