"""The stock services: receipts, reservations, deliveries with backorders, returns, counts, units, lots."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.errors import IllegalTransition, ValidationFailed
from tandem.core.models import Company, Event, Uom, User
from tandem.inventory import queries, services
from tandem.inventory.models import Count, Lot, Move, MoveLine, Quant, Reservation, Transfer, Warehouse
from tandem.inventory.services import MoveSpec
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db
D = Decimal


def _on_hand(product: Product, warehouse: Warehouse) -> Decimal:
    return queries.on_hand(product, warehouse)[0]


def _nothing_wrong() -> None:
    assert queries.quant_differences() == []
    assert queries.reservation_differences() == []


def test_a_warehouse_has_its_locations_and_the_company_its_virtual_ones(warehouse: Warehouse) -> None:
    paths = set(warehouse.locations.values_list("path", flat=True))
    assert paths == {"WH", "WH/Stock", "WH/Input", "WH/Output"}
    assert warehouse.stock_location.path == "WH/Stock"
    assert services.virtual_location(warehouse.company, "supplier").path == "Partners/Suppliers"
    assert Event.objects.filter(name="warehouse.created").count() == 1


def test_a_receipt_is_ready_at_once_and_validating_it_puts_goods_in_stock(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    expected = timezone.localdate() + datetime.timedelta(days=3)
    receipt = services.create_receipt(
        company, supplier, [(chair, 10, None, expected)], origin="PO-1", actor=worker
    )
    assert receipt.state == Transfer.State.READY and receipt.number.startswith("WH/IN/")
    assert queries.availability(chair, warehouse).incoming == 10
    services.validate_transfer(receipt, actor=worker)
    receipt.refresh_from_db()
    assert receipt.state == Transfer.State.DONE and receipt.done_by == worker
    assert _on_hand(chair, warehouse) == 10
    assert MoveLine.objects.get().quantity == 10
    _nothing_wrong()


def test_a_quantity_in_another_unit_of_the_category_is_converted(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    dozen = Uom.objects.get(code="dozen")
    receipt = services.create_receipt(company, supplier, [(chair, 2, dozen)], actor=worker)
    move = receipt.moves.get()
    assert (move.quantity, move.quantity_asked, move.uom) == (24, 2, dozen)
    services.validate_transfer(receipt, {move.pk: 1}, actor=worker)  # one dozen of two
    assert _on_hand(chair, warehouse) == 12
    backorder = receipt.backorders.get()
    assert backorder.moves.get().quantity == 12 and backorder.state == Transfer.State.READY


@pytest.mark.parametrize(
    ("quantity", "unit", "message"),
    [
        (0, None, "more than zero"),
        (-3, None, "more than zero"),
        ("abc", None, "decimal number"),
        (1.5, None, "decimal number"),
        (D("0.5"), None, "steps of 1"),
        (1, "kg", "cannot measure"),
    ],
)
def test_bad_quantities_are_refused_and_nothing_is_written(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User,
    quantity: Any, unit: str | None, message: str,
) -> None:  # fmt: skip
    uom = Uom.objects.get(code=unit) if unit else None
    with pytest.raises(ValidationFailed) as refused:
        services.create_receipt(company, supplier, [(chair, quantity, uom)], actor=worker)
    assert message in str(refused.value.errors["lines.0"])
    assert not Transfer.objects.exists() and not Move.objects.exists()


def test_a_service_cannot_be_stocked_and_another_companys_product_is_refused(
    company: Company, other_company: Company, warehouse: Warehouse, supplier: Partner, worker: User,
    make_product: Callable[..., Product], pcs: Uom,
) -> None:  # fmt: skip
    service = make_product("Assembly", kind=Product.Kind.SERVICE)
    with pytest.raises(ValidationFailed, match="service"):
        services.create_receipt(company, supplier, [(service, 1)], actor=worker)
    foreign = Product.objects.create(company=other_company, name="Theirs", sku="X", uom=pcs)
    with pytest.raises(ValidationFailed, match="another company"):
        services.create_receipt(company, supplier, [(foreign, 1)], actor=worker)
    assert not Transfer.objects.exists()


def test_a_delivery_waits_then_is_reserved_fifo_and_validated_with_a_backorder(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any], shelf: Any,
) -> None:  # fmt: skip
    stock_of(chair, 5)
    stock_of(chair, 5, location=shelf)
    delivery = services.create_delivery(company, customer, [(chair, 8)], origin="SO-1", actor=worker)
    assert delivery.state == Transfer.State.WAITING
    assert services.reserve(delivery, worker) == []
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.READY
    reservations = list(Reservation.objects.order_by("id").values_list("quant__location__path", "quantity"))
    assert reservations == [("WH/Stock", 5), ("WH/Stock/Shelf A", 3)]  # oldest first
    availability = queries.availability(chair, warehouse)
    assert (availability.on_hand, availability.reserved, availability.available) == (10, 8, 2)
    move = delivery.moves.get()
    services.validate_transfer(delivery, {move.pk: 6}, worker)
    assert _on_hand(chair, warehouse) == 4
    backorder = delivery.backorders.get()
    assert backorder.moves.get().quantity == 2 and backorder.state == Transfer.State.READY
    assert Move.objects.get(pk=move.pk).quantity == 6
    assert queries.availability(chair, warehouse).reserved == 2
    assert Event.objects.filter(name="transfer.done", data__backorder=backorder.number).exists()
    _nothing_wrong()


def test_a_shortage_is_reported_and_validating_beyond_stock_is_refused(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 3)
    delivery = services.create_delivery(company, customer, [(chair, 5)], actor=worker)
    shortages = services.reserve(delivery, worker)
    assert [(s.product, s.quantity, s.warehouse) for s in shortages] == [(chair, 2, warehouse)]
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.WAITING
    with pytest.raises(services.NotEnoughStock, match="2 pcs missing"):
        services.validate_transfer(delivery, actor=worker)
    assert _on_hand(chair, warehouse) == 3 and not MoveLine.objects.filter(move__transfer=delivery).exists()
    _nothing_wrong()


def test_a_product_that_allows_it_goes_negative(
    company: Company,
    warehouse: Warehouse,
    customer: Partner,
    worker: User,
    make_product: Callable[..., Product],
) -> None:
    glue = make_product("Glue", allow_negative_stock=True)
    delivery = services.create_delivery(company, customer, [(glue, 4)], actor=worker)
    services.validate_transfer(delivery, actor=worker)
    assert _on_hand(glue, warehouse) == -4
    _nothing_wrong()


def test_lots_are_required_for_tracked_products_and_followed_to_the_customer(
    company: Company,
    warehouse: Warehouse,
    supplier: Partner,
    customer: Partner,
    fabric: Product,
    worker: User,
) -> None:
    receipt = services.create_receipt(company, supplier, [(fabric, 30)], actor=worker)
    move = receipt.moves.get()
    with pytest.raises(ValidationFailed, match="tracked"):
        services.validate_transfer(receipt, actor=worker)
    with pytest.raises(ValidationFailed, match="add up"):
        services.validate_transfer(receipt, actor=worker, lots={move.pk: [("L1", 10)]})
    assert not Lot.objects.exists() and not MoveLine.objects.exists()
    services.validate_transfer(receipt, actor=worker, lots={move.pk: [("L1", 10), ("L2", 20)]})
    l1, l2 = Lot.objects.order_by("name")
    delivery = services.create_delivery(company, customer, [MoveSpec(fabric, 15, lot=l2)], actor=worker)
    services.reserve(delivery, worker)
    services.validate_transfer(delivery, actor=worker)
    assert set(l2.lines.values_list("move__transfer__kind", "quantity")) == {
        ("receipt", 20),
        ("delivery", 15),
    }
    assert Quant.objects.get(lot=l2).quantity == 5 and Quant.objects.get(lot=l1).quantity == 10
    _nothing_wrong()


def test_a_serial_number_is_one_piece_and_in_stock_once(
    company: Company, warehouse: Warehouse, supplier: Partner, lamp: Product, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(lamp, 2)], actor=worker)
    move = receipt.moves.get()
    with pytest.raises(ValidationFailed, match="one piece"):
        services.validate_transfer(receipt, actor=worker, lots={move.pk: [("S1", 2)]})
    services.validate_transfer(receipt, actor=worker, lots={move.pk: [("S1", 1), ("S2", 1)]})
    again = services.create_receipt(company, supplier, [(lamp, 1)], actor=worker)
    with pytest.raises(ValidationFailed, match="already in stock"):
        services.validate_transfer(again, actor=worker, lots={again.moves.get().pk: "S1"})


def test_an_expiring_lot_needs_its_date(
    company: Company,
    warehouse: Warehouse,
    supplier: Partner,
    worker: User,
    make_product: Callable[..., Product],
) -> None:
    glue = make_product("Wood glue", tracking=Product.Tracking.LOT, use_expiry=True)
    receipt = services.create_receipt(company, supplier, [(glue, 5)], actor=worker)
    move = receipt.moves.get()
    with pytest.raises(ValidationFailed, match="expiry date"):
        services.validate_transfer(receipt, actor=worker, lots={move.pk: "G1"})
    expiry = datetime.date(2030, 1, 1)
    services.validate_transfer(receipt, actor=worker, lots={move.pk: [("G1", 5, expiry)]})
    assert Lot.objects.get().expiry_date == expiry


def test_validation_refuses_unknown_moves_and_nothing_done(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(chair, 2)], actor=worker)
    with pytest.raises(ValidationFailed, match="not a move"):
        services.validate_transfer(receipt, {999999: 1}, worker)
    with pytest.raises(ValidationFailed, match="Nothing was done"):
        services.validate_transfer(receipt, {receipt.moves.get().pk: 0}, worker)
    with pytest.raises(ValidationFailed):
        services.validate_transfer(receipt, {receipt.moves.get().pk: -1}, worker)
    assert Transfer.objects.get().state == Transfer.State.READY


def test_a_done_transfer_is_not_validated_or_cancelled_again(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(chair, 2)], actor=worker)
    services.validate_transfer(receipt, actor=worker)
    with pytest.raises(IllegalTransition):
        services.validate_transfer(receipt, actor=worker)
    with pytest.raises(IllegalTransition):
        services.cancel_transfer(receipt, worker)
    assert MoveLine.objects.count() == 1


def test_cancelling_gives_the_reservation_back(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 4)
    delivery = services.create_delivery(company, customer, [(chair, 4)], actor=worker)
    services.reserve(delivery, worker)
    assert queries.availability(chair, warehouse).available == 0
    services.cancel_transfer(delivery, worker)
    assert queries.availability(chair, warehouse).available == 4 and not Reservation.objects.exists()
    _nothing_wrong()


def test_unreserving_puts_a_ready_delivery_back_to_waiting(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 4)
    delivery = services.create_delivery(company, customer, [(chair, 4)], actor=worker)
    services.reserve(delivery, worker)
    services.unreserve(delivery, worker)
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.WAITING and not Reservation.objects.exists()


def test_returns_of_a_delivery_and_of_a_receipt(
    company: Company, warehouse: Warehouse, customer: Partner, fabric: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    receipt = stock_of(fabric, 10, lots="L7")
    delivery = services.create_delivery(company, customer, [(fabric, 6)], actor=worker)
    services.reserve(delivery, worker)
    services.validate_transfer(delivery, actor=worker)
    move = delivery.moves.get()
    with pytest.raises(ValidationFailed, match="At most 6"):
        services.create_return(delivery, worker, {move.pk: 7})
    back = services.create_return(delivery, worker, {move.pk: 2})
    assert back.kind == Transfer.Kind.RECEIPT and back.state == Transfer.State.READY
    services.validate_transfer(back, actor=worker)  # the lot comes back with the goods
    assert Quant.objects.get(lot__name="L7", location=warehouse.stock_location).quantity == 6
    assert services.returnable(move) == 4
    too_much = services.create_return(receipt, worker)
    assert too_much.state == Transfer.State.WAITING  # 10 asked, 6 here
    services.cancel_transfer(too_much, worker)
    to_supplier = services.create_return(receipt, worker, {receipt.moves.get().pk: 6})
    assert to_supplier.kind == Transfer.Kind.DELIVERY and to_supplier.state == Transfer.State.READY
    services.validate_transfer(to_supplier, actor=worker)
    assert _on_hand(fabric, warehouse) == 0
    _nothing_wrong()


def test_a_count_posts_its_differences_to_inventory_loss(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, stock_of: Callable[..., Any],
    shelf: Any, make_product: Callable[..., Product],
) -> None:  # fmt: skip
    stock_of(chair, 10)
    stock_of(chair, 4, location=shelf)
    count = services.create_count(company, worker, location=warehouse.stock_location)
    lines = {line.location.path: line for line in count.lines.all()}
    assert {path: line.expected for path, line in lines.items()} == {"WH/Stock": 10, "WH/Stock/Shelf A": 4}
    stool = make_product("Stool")
    services.add_count_line(count, worker, product=stool, location=shelf, counted=2)
    services.record_counted(count, worker, {lines["WH/Stock"].pk: 7, lines["WH/Stock/Shelf A"].pk: 4})
    services.apply_count(count, worker)
    count.refresh_from_db()
    assert count.state == Count.State.APPLIED and count.transfer is not None
    assert count.transfer.state == Transfer.State.DONE and count.transfer.moves.count() == 2
    assert _on_hand(chair, warehouse) == 11 and _on_hand(stool, warehouse) == 2
    loss = services.virtual_location(company, "inventory")
    assert MoveLine.objects.filter(dest_location=loss, quantity=3).exists()
    with pytest.raises(IllegalTransition):
        services.apply_count(count, worker)
    _nothing_wrong()


def test_a_count_refuses_bad_quantities(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, stock_of: Callable[..., Any]
) -> None:
    stock_of(chair, 10)
    count = services.create_count(company, worker, location=warehouse.stock_location)
    line = count.lines.get()
    for bad in (-1, "x", D("0.5")):
        with pytest.raises(ValidationFailed):
            services.record_counted(count, worker, {line.pk: bad})
    assert count.lines.get().counted is None


def test_availability_projects_incoming_and_outgoing_by_date(
    company: Company, warehouse: Warehouse, supplier: Partner, customer: Partner, chair: Product,
    worker: User, stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 5)
    today = timezone.localdate()
    in_3, in_5, in_9 = (today + datetime.timedelta(days=d) for d in (3, 5, 9))
    services.create_receipt(company, supplier, [(chair, 10, None, in_5)], actor=worker)
    services.create_delivery(company, customer, [(chair, 8, None, in_3)], actor=worker)
    services.create_delivery(company, customer, [(chair, 4, None, in_9)], actor=worker)
    seen = queries.availability(chair, warehouse, until=today + datetime.timedelta(days=7))
    assert (seen.on_hand, seen.incoming, seen.outgoing, seen.projected) == (5, 10, 8, 7)
    assert [(p.date, p.projected) for p in seen.timeline] == [(in_3, -3), (in_5, 7)]
    assert seen.projected_on(in_3) == -3 and seen.projected_on(today) == 5
    assert queries.availability(chair, warehouse, until=in_9).projected == 3


def test_a_deadlock_is_retried_and_another_database_error_is_not(monkeypatch: Any) -> None:
    from django.db import OperationalError

    from tandem.inventory.services import common

    class Cause(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    def failing(sqlstate: str, times: int) -> Callable[[], str]:
        calls = {"n": 0}

        def work() -> str:
            calls["n"] += 1
            if calls["n"] <= times:
                raise OperationalError("boom") from Cause(sqlstate)
            return f"done after {calls['n']}"

        return work

    monkeypatch.setattr(common.time, "sleep", lambda seconds: None)
    assert common.retrying(failing("40P01", 2)) == "done after 3"
    with pytest.raises(OperationalError):
        common.retrying(failing("08006", 1))  # a lost connection is not retried
    with pytest.raises(OperationalError):
        common.retrying(failing("40001", common.RETRIES))  # nor retried forever


def test_lots_that_expire_are_reserved_earliest_expiry_first_and_expired_ones_only_when_forced(
    company: Company,
    warehouse: Warehouse,
    supplier: Partner,
    customer: Partner,
    worker: User,
    make_product: Callable[..., Product],
    stock_of: Callable[..., Any],
) -> None:
    milk = make_product("Milk", tracking=Product.Tracking.LOT, use_expiry=True)
    today = timezone.localdate()
    # arrival order is not expiry order: the late lot arrives first
    stock_of(milk, 10, lots=[("LATE", 10, today + datetime.timedelta(days=30))])
    stock_of(milk, 10, lots=[("SOON", 10, today + datetime.timedelta(days=3))])
    stock_of(milk, 10, lots=[("GONE", 10, today - datetime.timedelta(days=1))])
    delivery = services.create_delivery(company, customer, [(milk, 15)], actor=worker)
    assert services.reserve(delivery, worker) == []
    reserved = dict(Reservation.objects.values_list("quant__lot__name", "quantity"))
    assert reserved == {"SOON": 10, "LATE": 5}
    services.validate_transfer(delivery, actor=worker)
    assert dict(Quant.objects.values_list("lot__name", "quantity")) == {"LATE": 5, "SOON": 0, "GONE": 10}

    more = services.create_delivery(company, customer, [(milk, 10)], actor=worker)
    [shortage] = services.reserve(more, worker)
    assert shortage.quantity == 5  # the expired lot is not promised
    with pytest.raises(services.NotEnoughStock):
        services.validate_transfer(more, actor=worker)
    services.reserve(more, worker, allow_expired=True)  # forced
    assert more.state == Transfer.State.READY
    assert dict(Reservation.objects.values_list("quant__lot__name", "quantity")) == {"LATE": 5, "GONE": 5}
    services.cancel_transfer(more, worker)

    chosen = services.create_delivery(
        company, customer, [MoveSpec(milk, 2, lot=Lot.objects.get(name="GONE"))], actor=worker
    )
    assert services.reserve(chosen, worker) == []  # a chosen lot is taken even when expired
    _nothing_wrong()


def test_products_without_expiring_lots_stay_fifo(
    company: Company,
    warehouse: Warehouse,
    customer: Partner,
    fabric: Product,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    stock_of(fabric, 10, lots=[("B", 10, datetime.date(2020, 1, 1))])
    stock_of(fabric, 10, lots=[("A", 10, datetime.date(2019, 1, 1))])
    delivery = services.create_delivery(company, customer, [(fabric, 12)], actor=worker)
    assert services.reserve(delivery, worker) == []
    assert dict(Reservation.objects.values_list("quant__lot__name", "quantity")) == {"B": 10, "A": 2}
