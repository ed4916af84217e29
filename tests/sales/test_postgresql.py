"""What only PostgreSQL guarantees: sixteen parallel confirmations competing for scarce stock
never reserve more than there is, an order confirmed twice at once is confirmed once, parallel
invoicing of one order (on ordered or on delivered quantities) never invoices a quantity twice,
and a quotation accepted twice at once (two tabs, a double click) confirms once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from tandem.accounting.models import InvoiceLine
from tandem.catalog.models import Product
from tandem.core.models import Company, Event, User
from tandem.inventory import queries as stock
from tandem.inventory import services as inventory
from tandem.inventory.models import Reservation, Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import AcceptanceLink, QuotationResponse, SalesOrder
from tests.sales.conftest import quotation, signature

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

THREADS = 16


def _run(count: int, work: Callable[[int], Any]) -> list[BaseException]:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=180)
    return errors


def test_parallel_confirmations_never_reserve_more_than_is_there(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    orders = [quotation(company, salesperson, customer, (chair, "3")).pk for _ in range(THREADS)]
    errors = _run(
        THREADS, lambda n: services.confirm_order(SalesOrder.objects.get(pk=orders[n]), salesperson)
    )
    assert not errors, errors
    assert SalesOrder.objects.filter(state="confirmed").count() == THREADS
    assert sum((r.quantity for r in Reservation.objects.all()), Decimal(0)) == 10  # all there is
    assert stock.availability(chair, warehouse).reserved == 10
    assert Transfer.objects.filter(kind="delivery", state="ready").count() == 3  # 3 × 3, one gets 1
    assert Transfer.objects.filter(kind="delivery").count() == THREADS  # the rest wait for goods
    assert stock.reservation_differences() == [] and stock.quant_differences() == []


def test_an_order_confirmed_twice_at_once_is_confirmed_once(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "2"))
    errors = _run(2, lambda n: services.confirm_order(SalesOrder.objects.get(pk=order.pk), salesperson))
    assert len(errors) == 1 and isinstance(errors[0], services.OrderNotEditable)
    assert Transfer.objects.filter(kind="delivery").count() == 1
    assert sum((r.quantity for r in Reservation.objects.all()), Decimal(0)) == 2


def test_parallel_invoicing_of_one_order_never_invoices_a_quantity_twice(
    company: Company, salesperson: User, admin: User, customer: Partner, design: Product, vat: Any
) -> None:
    order = quotation(company, salesperson, customer, (design, "4"))  # a service: invoiced on ordered
    services.confirm_order(order, salesperson)
    errors = _run(4, lambda n: services.invoice_order(SalesOrder.objects.get(pk=order.pk), admin))
    assert len(errors) == 3 and all(isinstance(e, services.BusinessError) for e in errors), errors
    assert sum((line.quantity for line in InvoiceLine.objects.all()), Decimal(0)) == 4


def test_parallel_invoicing_of_delivered_goods_invoices_what_left_once(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Any,
) -> None:
    order = quotation(company, salesperson, customer, (chair, "6"))  # goods: invoiced on delivered
    services.confirm_order(order, salesperson)
    delivery = Transfer.objects.get(pk=SalesOrder.objects.get(pk=order.pk).delivery_id)
    [move] = delivery.moves.all()
    inventory.validate_transfer(delivery, {move.pk: Decimal(4)}, admin)  # two wait in a backorder
    errors = _run(4, lambda n: services.invoice_order(SalesOrder.objects.get(pk=order.pk), admin))
    assert len(errors) == 3 and all(isinstance(e, services.BusinessError) for e in errors), errors
    assert sum((line.quantity for line in InvoiceLine.objects.all()), Decimal(0)) == 4


def test_a_quotation_accepted_twice_at_once_confirms_once(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "2"), order_date=timezone.localdate())
    services.send_order(order, salesperson)
    token = services.link_token(AcceptanceLink.objects.get(order=order))
    drawn = signature()
    errors = _run(
        2,
        lambda n: services.accept_quotation(token, name=f"Buyer {n}", signature=drawn, ip=f"10.0.0.{n + 1}"),
    )
    assert len(errors) == 1 and isinstance(errors[0], services.LinkAnswered), errors
    assert QuotationResponse.objects.count() == 1
    assert SalesOrder.objects.get(pk=order.pk).state == "confirmed"
    assert Event.objects.filter(name="salesorder.confirmed").count() == 1
    assert Event.objects.filter(name="salesorder.accepted").count() == 1
    assert Transfer.objects.filter(kind="delivery").count() == 1
    assert sum((r.quantity for r in Reservation.objects.all()), Decimal(0)) == 2
