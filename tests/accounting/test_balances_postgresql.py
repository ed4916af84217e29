"""Monthly balances under concurrency, on PostgreSQL: parallel posters and reversers touching
the same balance rows (same accounts, same month) leave them equal to their lines, with no
deadlock and nothing lost."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from tandem.accounting.invariants import balances_are_the_posted_lines
from tandem.accounting.models import AccountBalance, BooksSettings, JournalEntry
from tandem.accounting.services import ledger
from tandem.core.models import Company
from tests.accounting.conftest import DAY, account, journal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 8
PER_THREAD = 4


def _draft(company: Company, n: int) -> JournalEntry:
    amount = Decimal(n + 1)
    first, second = ("1010", "4000") if n % 2 else ("4000", "1010")  # lines in either order
    lines = [
        ledger.Line(account(company, first), debit=amount),
        ledger.Line(account(company, second), credit=amount),
    ]
    return ledger.create_entry(company, None, journal=journal(company, "MISC"), date=DAY, lines=lines)


def test_parallel_posters_and_reversers_keep_the_balances_exact(
    company: Company, books: BooksSettings
) -> None:
    drafts = [_draft(company, n).pk for n in range(THREADS * PER_THREAD)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(mine: list[int]) -> None:
        try:
            start.wait()
            for n, pk in enumerate(mine):
                posted = ledger.post_entry(JournalEntry.objects.get(pk=pk), None)
                if n % 2:
                    ledger.reverse_entry(posted, None)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(drafts[n::THREADS],)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    assert not errors
    assert balances_are_the_posted_lines() == []
    bank = AccountBalance.objects.get(account=account(company, "1010"), month=DAY.replace(day=1))
    total = sum(range(1, THREADS * PER_THREAD + 1)) * 10_000
    reversed_count = THREADS * PER_THREAD // 2
    assert bank.line_count == THREADS * PER_THREAD + reversed_count
    assert bank.debit + bank.credit == total + sum(
        (n + 1) * 10_000
        for thread in range(THREADS)
        for i, n in enumerate(range(thread, THREADS * PER_THREAD, THREADS))
        if i % 2
    )
