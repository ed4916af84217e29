"""Document numbers: formatted per pattern, per year, gapless and unique under concurrency."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from tandem.core.models import Company, Sequence
from tandem.core.sequences import next_number


def test_numbers_follow_the_pattern_and_restart_each_year(company: Company) -> None:
    on = datetime.date(2026, 3, 1)
    assert next_number(company, "INV", on) == "INV/2026/00001"
    assert next_number(company, "INV", on) == "INV/2026/00002"
    assert next_number(company, "INV", datetime.date(2027, 1, 2)) == "INV/2027/00001"
    assert next_number(company, "SO", on) == "SO/2026/00001"


def test_custom_pattern_without_yearly_reset(company: Company) -> None:
    Sequence.objects.create(company=company, code="CUST", pattern="C-{number:06d}", reset_yearly=False)
    assert next_number(company, "CUST", datetime.date(2026, 1, 1)) == "C-000001"
    assert next_number(company, "CUST", datetime.date(2027, 1, 1)) == "C-000002"


def test_companies_have_their_own_series(company: Company, other_company: Company) -> None:
    on = datetime.date(2026, 5, 5)
    assert next_number(company, "INV", on) == next_number(other_company, "INV", on) == "INV/2026/00001"


def test_a_rolled_back_transaction_gives_its_number_back(company: Company) -> None:
    on = datetime.date(2026, 5, 5)

    def post_and_fail() -> None:
        with transaction.atomic():
            next_number(company, "INV", on)
            raise RuntimeError("posting failed")

    with pytest.raises(RuntimeError):
        post_and_fail()
    assert next_number(company, "INV", on) == "INV/2026/00001"


THREADS = 16
PER_THREAD = 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_threads_allocate_a_gapless_unique_series_on_postgresql(company: Company) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only real on PostgreSQL")
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    lock = threading.Lock()

    def allocate() -> None:
        try:
            start.wait()
            for _ in range(PER_THREAD):
                with transaction.atomic():
                    number = next_number(company, "INV", datetime.date(2026, 6, 1))
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=allocate) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors
    expected = {f"INV/2026/{n:05d}" for n in range(1, THREADS * PER_THREAD + 1)}
    assert sorted(numbers) == sorted(expected)
