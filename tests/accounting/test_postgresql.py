"""What only PostgreSQL guarantees: the deferred trigger that refuses an unbalanced posted entry
at commit, and gapless unique numbers for posters racing on one journal."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tandem.accounting.models import BooksSettings, JournalEntry, JournalLine
from tandem.accounting.services import ledger
from tandem.core.models import Company
from tests.accounting.conftest import DAY, account, journal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL triggers and row locks"),
]


def _draft(company: Company, amount: str = "10.00") -> JournalEntry:
    return ledger.create_entry(
        company,
        None,
        journal=journal(company, "MISC"),
        date=DAY,
        lines=[
            ledger.Line(account(company, "1010"), debit=Decimal(amount)),
            ledger.Line(account(company, "4000"), credit=Decimal(amount)),
        ],
    )


def _commit_now() -> None:
    """What COMMIT does with the deferred trigger, inside a test's savepoint."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _unbalance(entry: JournalEntry) -> None:
    with transaction.atomic():
        JournalLine.objects.filter(entry=entry, debit__gt=0).update(debit=Decimal("11.00"))
        _commit_now()


def _post_raw_without_its_credit(entry: JournalEntry) -> None:
    with transaction.atomic():
        JournalLine.objects.filter(entry=entry, credit__gt=0).delete()
        JournalEntry.objects.filter(pk=entry.pk).update(state="posted", number="RAW/1")
        _commit_now()


def test_the_trigger_refuses_a_raw_unbalanced_posted_entry_at_commit(
    company: Company, books: BooksSettings
) -> None:
    entry = ledger.post_entry(_draft(company), None)
    with pytest.raises(IntegrityError, match="does not balance"):
        _unbalance(entry)
    draft = _draft(company)
    with pytest.raises(IntegrityError, match="does not balance"):
        _post_raw_without_its_credit(draft)
    assert JournalLine.objects.get(entry=entry, debit__gt=0).debit == Decimal("10.00")
    assert JournalEntry.objects.get(pk=draft.pk).state == "draft"
    with transaction.atomic():  # only the balance is the trigger's business
        JournalLine.objects.filter(entry=entry, debit__gt=0).update(debit=Decimal("20.00"))
        JournalLine.objects.filter(entry=entry, credit__gt=0).update(credit=Decimal("20.00"))
        _commit_now()


THREADS = 16
PER_THREAD = 4


def test_sixteen_parallel_posters_get_gapless_unique_numbers(company: Company, books: BooksSettings) -> None:
    drafts = [_draft(company).pk for _ in range(THREADS * PER_THREAD)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def post(mine: list[int]) -> None:
        try:
            start.wait()
            for pk in mine:
                ledger.post_entry(JournalEntry.objects.get(pk=pk), None)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=post, args=(drafts[n::THREADS],)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    numbers = sorted(JournalEntry.objects.filter(company=company).values_list("number", flat=True))
    assert numbers == [f"MISC/2026/{n:05d}" for n in range(1, THREADS * PER_THREAD + 1)]
