"""Two- and three-step routes: a warehouse's setting chains a delivery (pick → pack → ship) or a
receipt (input → quality → store); later steps wait for the earlier ones; cancelling follows the
chain; partial steps backorder only what can still come."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Location, Move, Quant, Transfer, Warehouse
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db
S = Transfer.State


def _on_hand(product: Product, location: Location | None) -> Decimal:
    quant = Quant.objects.filter(product=product, location=location).first()
    return quant.quantity if quant else Decimal(0)


def _steps(first: Transfer) -> dict[str, Transfer]:
    return {t.step: t for t in services.chain(first)}


@pytest.fixture
def three_step(warehouse: Warehouse, worker: User) -> Warehouse:
    return services.update_warehouse(warehouse, worker, delivery_steps=3, reception_steps=3)


def test_the_setting_makes_the_locations_a_three_step_route_passes(three_step: Warehouse) -> None:
    assert three_step.pack_location is not None and three_step.pack_location.path == "WH/Packing"
    assert three_step.quality_location is not None and three_step.quality_location.path == "WH/Quality"
    assert three_step.pack_location.kind == Location.Kind.INTERNAL


def test_a_bad_setting_is_refused_and_nothing_changes(warehouse: Warehouse, worker: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.update_warehouse(warehouse, worker, delivery_steps=4)
    assert "delivery_steps" in caught.value.errors
    warehouse.refresh_from_db()
    assert warehouse.delivery_steps == 1 and warehouse.pack_location_id is None


def test_one_step_stays_one_transfer(
    company: Company, warehouse: Warehouse, chair: Product, customer: Partner, worker: User
) -> None:
    delivery = services.create_delivery(company, customer, [(chair, 2)], actor=worker, warehouse=warehouse)
    assert delivery.kind == Transfer.Kind.DELIVERY and delivery.step == ""
    assert services.chain(delivery) == [delivery]


def test_a_three_step_delivery_moves_through_packing_and_output(
    company: Company,
    three_step: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(chair, 10)
    pick = services.create_delivery(
        company, customer, [(chair, 4)], origin="SO-1", actor=worker, warehouse=three_step
    )
    steps = _steps(pick)
    assert list(steps) == ["pick", "pack", "ship"]
    pack, ship = steps["pack"], steps["ship"]
    assert pick.number.startswith("WH/PICK/") and pack.number.startswith("WH/PACK/")
    assert ship.number.startswith("WH/OUT/") and ship.kind == Transfer.Kind.DELIVERY
    assert pick.moves.get().next_move == pack.moves.get() and pack.moves.get().next_move == ship.moves.get()
    assert (pick.state, pack.state, ship.state) == (S.WAITING, S.WAITING, S.WAITING)

    # The later steps reserve nothing before the goods reach them, and report no shortage.
    assert services.reserve(pack, worker) == []
    pack.refresh_from_db()
    assert pack.state == S.WAITING
    with pytest.raises(ValidationFailed):
        services.validate_transfer(pack, actor=worker)

    assert services.reserve(pick, worker) == []
    services.validate_transfer(pick, actor=worker)
    pack.refresh_from_db()
    assert pack.state == S.READY  # the picked goods wait in Packing, reserved for the pack step
    services.validate_transfer(pack, actor=worker)
    ship.refresh_from_db()
    assert ship.state == S.READY
    services.validate_transfer(ship, actor=worker)
    assert _on_hand(chair, three_step.stock_location) == 6
    assert _on_hand(chair, three_step.pack_location) == 0
    assert _on_hand(chair, three_step.output_location) == 0


def test_a_partial_pick_feeds_a_backorder_of_the_pack_step(
    company: Company,
    three_step: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(chair, 10)
    pick = services.create_delivery(company, customer, [(chair, 5)], actor=worker, warehouse=three_step)
    pack = _steps(pick)["pack"]
    services.reserve(pick, worker)
    services.validate_transfer(pick, {pick.moves.get().pk: 3}, worker)
    rest_of_pick = pick.backorders.get()
    pack.refresh_from_db()
    assert pack.state == S.WAITING  # 3 of 5 reached it
    services.validate_transfer(pack, actor=worker)  # packs what reached it
    pack_move = pack.moves.get()
    assert (pack_move.quantity, pack_move.quantity_done) == (3, 3)
    rest_of_pack = pack.backorders.get()
    assert rest_of_pack.moves.get().quantity == 2
    assert rest_of_pick.moves.get().next_move == rest_of_pack.moves.get()
    services.validate_transfer(rest_of_pick, actor=worker)
    rest_of_pack.refresh_from_db()
    assert rest_of_pack.state == S.READY


def test_cancelling_the_last_step_cancels_the_steps_not_yet_done(
    company: Company,
    three_step: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(chair, 10)
    pick = services.create_delivery(company, customer, [(chair, 4)], actor=worker, warehouse=three_step)
    steps = _steps(pick)
    services.reserve(pick, worker)
    services.validate_transfer(pick, actor=worker)
    services.cancel_transfer(steps["ship"], worker)
    states = {t.step: t.state for t in services.chain(pick)}
    assert states == {"pick": S.DONE, "pack": S.CANCELLED, "ship": S.CANCELLED}
    assert _on_hand(chair, three_step.pack_location) == 4  # put back by hand
    assert Quant.objects.get(product=chair, location=three_step.pack_location).reserved == 0


def test_cancelling_the_first_step_cancels_the_steps_nothing_can_reach(
    company: Company,
    three_step: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(chair, 10)
    pick = services.create_delivery(company, customer, [(chair, 4)], actor=worker, warehouse=three_step)
    services.reserve(pick, worker)
    services.cancel_transfer(pick, worker)
    assert {t.step: t.state for t in services.chain(pick)} == {
        "pick": S.CANCELLED, "pack": S.CANCELLED, "ship": S.CANCELLED,
    }  # fmt: skip
    assert Quant.objects.get(product=chair, location=three_step.stock_location).reserved == 0


def test_a_cancelled_rest_of_a_pick_leaves_the_later_steps_with_what_was_picked(
    company: Company,
    three_step: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(chair, 10)
    pick = services.create_delivery(company, customer, [(chair, 5)], actor=worker, warehouse=three_step)
    steps = _steps(pick)
    services.reserve(pick, worker)
    services.validate_transfer(pick, {pick.moves.get().pk: 3}, worker)
    services.cancel_transfer(pick.backorders.get(), worker)
    pack = Transfer.objects.get(pk=steps["pack"].pk)
    assert pack.state == S.WAITING  # 3 reached it; it goes on with them
    services.validate_transfer(pack, actor=worker)
    assert not pack.backorders.exists()  # the 2 never picked will not come
    ship = Transfer.objects.get(pk=steps["ship"].pk)
    assert ship.state == S.WAITING and ship.moves.get().quantity == 5
    services.validate_transfer(ship, actor=worker)
    ship_move = Move.objects.get(transfer=ship)
    assert (ship_move.quantity, ship_move.quantity_done) == (3, 3)
    assert not ship.backorders.exists()


def test_a_three_step_receipt_arrives_in_input_passes_quality_and_is_stored(
    company: Company, three_step: Warehouse, chair: Product, supplier: Partner, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(chair, 6)], actor=worker, warehouse=three_step)
    steps = _steps(receipt)
    assert list(steps) == ["input", "quality", "store"]
    assert receipt.kind == Transfer.Kind.RECEIPT and receipt.state == S.READY
    assert receipt.dest_location == three_step.input_location
    assert steps["quality"].number.startswith("WH/QC/") and steps["store"].number.startswith("WH/STORE/")
    services.validate_transfer(receipt, actor=worker)
    quality = Transfer.objects.get(pk=steps["quality"].pk)
    assert quality.state == S.READY
    services.validate_transfer(quality, actor=worker)
    store = Transfer.objects.get(pk=steps["store"].pk)
    assert store.state == S.READY
    services.validate_transfer(store, actor=worker)
    assert _on_hand(chair, three_step.stock_location) == 6
    assert _on_hand(chair, three_step.input_location) == 0


def test_a_two_step_receipt_and_delivery(
    company: Company,
    warehouse: Warehouse,
    chair: Product,
    supplier: Partner,
    customer: Partner,
    worker: User,
) -> None:
    site = services.update_warehouse(warehouse, worker, delivery_steps=2, reception_steps=2)
    assert site.pack_location_id is None and site.quality_location_id is None
    receipt = services.create_receipt(company, supplier, [(chair, 6)], actor=worker, warehouse=site)
    assert [t.step for t in services.chain(receipt)] == ["input", "store"]
    services.validate_transfer(receipt, actor=worker)
    store = _steps(receipt)["store"]
    services.validate_transfer(store, actor=worker)
    pick = services.create_delivery(company, customer, [(chair, 2)], actor=worker, warehouse=site)
    assert [t.step for t in services.chain(pick)] == ["pick", "ship"]
    assert pick.dest_location == site.output_location
    services.reserve(pick, worker)
    services.validate_transfer(pick, actor=worker)
    services.validate_transfer(_steps(pick)["ship"], actor=worker)
    assert _on_hand(chair, site.stock_location) == 4


def test_a_transfer_given_its_own_location_goes_straight_there(
    company: Company, three_step: Warehouse, chair: Product, supplier: Partner, worker: User
) -> None:
    receipt = services.create_transfer(
        company, "receipt", [(chair, 1)], partner=supplier, actor=worker, warehouse=three_step,
        dest_location=three_step.stock_location,
    )  # fmt: skip
    assert receipt.step == "" and services.chain(receipt) == [receipt]


def test_a_return_of_a_shipped_two_step_delivery_comes_back_to_stock(
    company: Company,
    warehouse: Warehouse,
    chair: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    """Returned goods come in as the warehouse receives (here in one step: to Stock), not back
    to Output, where the ship step took them from and nothing would move them on."""
    site = services.update_warehouse(warehouse, worker, delivery_steps=2)
    stock_of(chair, 5)
    pick = services.create_delivery(company, customer, [(chair, 3)], actor=worker, warehouse=site)
    services.reserve(pick, worker)
    services.validate_transfer(pick, actor=worker)
    ship = _steps(pick)["ship"]
    services.validate_transfer(ship, actor=worker)
    back = services.create_return(ship, worker, {ship.moves.get().pk: 2})
    assert back.kind == Transfer.Kind.RECEIPT and back.return_of == ship and back.state == S.READY
    assert back.dest_location == site.stock_location and back.number.startswith("WH/IN/")
    assert back.moves.get().returned_move == ship.moves.get()
    services.validate_transfer(back, actor=worker)
    assert _on_hand(chair, site.stock_location) == 4 and _on_hand(chair, site.output_location) == 0
    assert services.returnable(ship.moves.get()) == 1


def test_a_return_of_a_delivery_follows_a_three_step_receipt_route_into_stock(
    company: Company,
    three_step: Warehouse,
    fabric: Product,
    customer: Partner,
    worker: User,
    stock_of: Callable[..., Any],
) -> None:
    """Into Input, through Quality, then stored — like any receipt; the lot comes back with it,
    and only the first step counts as the return (the customer's goods are counted back once)."""
    site = services.update_warehouse(three_step, worker, reception_steps=1)
    stock_of(fabric, 10, lots="R-1")
    site = services.update_warehouse(site, worker, reception_steps=3)
    pick = services.create_delivery(company, customer, [(fabric, 4)], actor=worker, warehouse=site)
    services.reserve(pick, worker)
    for step in ("pick", "pack", "ship"):
        services.validate_transfer(_steps(pick)[step], actor=worker)
    ship = _steps(pick)["ship"]
    back = services.create_return(ship, worker)
    steps = _steps(back)
    assert list(steps) == ["input", "quality", "store"]
    assert back.source_location.kind == Location.Kind.CUSTOMER and back.dest_location == site.input_location
    assert steps["store"].dest_location == site.stock_location
    assert [t.return_of_id for t in steps.values()] == [ship.pk, None, None]
    assert Move.objects.filter(returned_move=ship.moves.get()).count() == 1
    for step in ("input", "quality", "store"):
        services.validate_transfer(Transfer.objects.get(pk=steps[step].pk), actor=worker)
    assert _on_hand(fabric, site.stock_location) == 10
    assert sum(_on_hand(fabric, loc) for loc in (site.output_location, site.input_location)) == 0
    assert Quant.objects.get(location=site.stock_location, product=fabric).lot.name == "R-1"  # type: ignore[union-attr]
    assert services.returnable(ship.moves.get()) == 0
