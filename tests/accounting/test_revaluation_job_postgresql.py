"""Two runs of the period-end revaluation at once (two workers, or the job beside an accountant's
run) revalue a company once: the settings row is locked first (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from tandem.accounting.models import BooksSettings, JournalEntry
from tandem.accounting.services import ledger
from tandem.core.models import Company

from .test_revaluation_job import NEXT_DAY, _foreign_receivable, _opt_in

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]
RACERS = 4


def test_parallel_runs_revalue_a_period_end_once(company: Company, books: BooksSettings) -> None:
    _foreign_receivable(company)
    _opt_in(books)
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def run() -> None:
        try:
            start.wait()
            outcomes.append(ledger.revalue_period_ends(company, None, NEXT_DAY)[-1].outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done"] * (RACERS - 1) + ["posted"]
    revaluations = JournalEntry.objects.filter(origin=JournalEntry.Origin.REVALUATION)
    assert list(revaluations.values_list("date", flat=True)) == [datetime.date(2026, 3, 31)]
