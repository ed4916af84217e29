"""What only PostgreSQL guarantees: 16 workers reserving the last 100 units reserve exactly 100,
deadlocks are retried by the service, and the CHECK refuses a raw negative quant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.inventory import queries, services
from tandem.inventory.models import Quant, Reservation, Transfer, Warehouse
from tandem.partners.models import Partner

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 16


def _run(work: Callable[[int], Any]) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def test_sixteen_workers_reserving_the_last_hundred_units_reserve_exactly_a_hundred(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any], shelf: Any,
) -> None:  # fmt: skip
    stock_of(chair, 60)
    stock_of(chair, 40, location=shelf)
    deliveries = [
        services.create_delivery(company, customer, [(chair, 9)], actor=worker).pk for _ in range(THREADS)
    ]
    errors = _run(lambda n: services.reserve(Transfer.objects.get(pk=deliveries[n]), None))
    assert not errors
    assert sum(r.quantity for r in Reservation.objects.all()) == 100
    assert queries.availability(chair, warehouse).reserved == 100
    assert Transfer.objects.filter(pk__in=deliveries, state="ready").count() == 11  # 11 × 9 = 99, one gets 1
    assert queries.reservation_differences() == [] and queries.quant_differences() == []


def test_crossing_reservations_are_retried_not_reported(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any], make_product: Callable[..., Product],
) -> None:  # fmt: skip
    table = make_product("Table")
    stock_of(chair, 100)
    stock_of(table, 100)
    deliveries = []
    for n in range(THREADS):
        lines = [(chair, 3), (table, 3)] if n % 2 else [(table, 3), (chair, 3)]
        deliveries.append(services.create_delivery(company, customer, lines, actor=worker).pk)

    def reserve_then_validate(n: int) -> None:
        delivery = Transfer.objects.get(pk=deliveries[n])
        services.reserve(delivery, None)
        services.validate_transfer(delivery, actor=None)

    assert _run(reserve_then_validate) == []
    assert queries.on_hand(chair, warehouse)[0] == 100 - 3 * THREADS
    assert queries.on_hand(table, warehouse)[0] == 100 - 3 * THREADS
    assert queries.reservation_differences() == [] and queries.quant_differences() == []


def test_the_check_refuses_a_raw_negative_quant(
    company: Company, warehouse: Warehouse, chair: Product, stock_of: Callable[..., Any]
) -> None:
    stock_of(chair, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Quant.objects.filter(product=chair).update(quantity=Decimal(-1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Quant.objects.filter(product=chair).update(reserved=Decimal(3))
