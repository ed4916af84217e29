"""Pegging (issue 18): each planned order keeps every demand it meets with the quantity it gives
it, carried on release to the manufacturing order or purchase request it becomes — computed by
hand on the chair shop (``chair_shop``: 2 chairs and 10 legs in stock, legs in multiples of 50,
planks at least 20)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.core.models import Company, User
from tandem.inventory.models import Transfer
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import Bom, ManufacturingOrder
from tandem.manufacturing.services import LineData
from tandem.planning import mrp, mrp_services, scheduling
from tandem.planning import queries as planning
from tandem.planning.models import MrpRun, Peg, PlannedOrder
from tandem.purchasing.models import PurchaseRequest
from tandem.sales import queries as sales_queries
from tests.kit.api import api_client
from tests.kit.query_counts import PinnedQueries
from tests.planning import chair_shop
from tests.planning.chair_shop import TODAY, Shop, day
from tests.web.support import signed_in

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(company: Company, admin: User) -> Shop:
    return chair_shop.build(company, admin)


def _pegs(order: PlannedOrder) -> list[tuple[int | None, str | None, Decimal]]:
    """(move, parent's product, quantity) of each peg of ``order``."""
    return [
        (peg.demand_move_id, peg.parent.product.sku if peg.parent else None, peg.quantity)
        for peg in order.pegs.select_related("parent__product").order_by("id")
    ]


def _order(run: MrpRun, sku: str) -> PlannedOrder:
    return run.orders.get(product__sku=sku)


def test_netting_keeps_each_demand_with_its_quantity() -> None:
    """Stock 2. Day 10: move 1 wants 5, move 2 wants 4 → stock gives 2 of move 1, the order of 7
    gives move 1 its 3 and move 2 its 4. A lot of 10 for move 4 (5 on day 20, 2 from stock) brings
    7 more: move 5 (9 on day 40) gets them, the next order of 10 its last 2. Moves of a day come
    before a forecast (None): stock gives move 6 two of its 3, the order the last one and the
    forecast's 5 for no one."""

    def pegs(demands: list[mrp.Demand], lot: int = 0) -> list[list[tuple[mrp.Peg, Decimal]]]:
        size = (lambda need: max(need, D(lot))) if lot else (lambda need: need)
        netted = mrp.net(demands, [mrp.Supply(TODAY, D(2))], TODAY, size, mrp.offset(1, TODAY))
        return [row.pegs for row in netted.planned]

    assert pegs([(day(10), D(5), 1), (day(10), D(4), 2)]) == [[(1, D(3)), (2, D(4))]]
    assert pegs([(day(20), D(5), 4), (day(40), D(9), 5)], lot=10) == [[(4, D(3)), (5, D(7))], [(5, D(2))]]
    assert pegs([(day(20), D(5), None), (day(20), D(3), 6)]) == [[(6, D(1)), (None, D(5))]]


def test_a_kits_components_are_shared_among_its_demands_in_proportion() -> None:
    assert mrp.share(D(10), D(5), [(1, D(3)), (2, D(2))]) == [(1, D(6)), (2, D(4))]
    # thirds: the rounding goes to the last demand, the parts add up to what is needed
    assert mrp.share(D(10), D(3), [(1, D(1)), (2, D(2))]) == [(1, D("3.3333")), (2, D("6.6667"))]
    # a lot of 5 kits for 2 wanted: the rest is for no one
    assert mrp.share(D(10), D(5), [(1, D(2))]) == [(1, D(4)), (None, D(6))]


def test_a_planned_order_for_two_deliveries_is_made_for_both(shop: Shop, admin: User) -> None:
    """6 and 4 chairs on day 20, 2 in stock (first come: the 6's): the order of 8 gives the first
    delivery 4 and the second 4. Released, the sale of each sees the order; the seats, pegged to
    the chairs' planned order, are pegged to its seat move once it is confirmed."""
    first, second = shop.deliver("chair", "6", day(20)), shop.deliver("chair", "4", day(20))
    run = shop.run()
    chair, seat, leg = _order(run, "CHAIR"), _order(run, "SEAT"), _order(run, "LEG")
    assert chair.quantity == D(8) and chair.demand_move is None
    assert _pegs(chair) == [(first.moves.get().pk, None, D(4)), (second.moves.get().pk, None, D(4))]
    assert _pegs(seat) == [(None, "CHAIR", D(8))]
    assert leg.quantity == D(50) and _pegs(leg) == [(None, "CHAIR", D(22))]  # 32 less 10 in stock
    mrp_services.release_orders(shop.company, admin, [chair, leg])
    made = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert made.demand_move is None  # not one demand: the pegs say which
    assert sales_queries.made_to_order([first]) == [made] == sales_queries.made_to_order([second])
    assert made.components is not None
    assert _pegs(seat)[0][0] == made.components.moves.get(product__sku="SEAT").pk
    legs = PurchaseRequest.objects.get(product__sku="LEG")
    assert _pegs(leg)[0][0] == legs.demand_move_id == made.components.moves.get(product__sku="LEG").pk

    found = planning.pegging(made)
    assert found is not None and found.free == 0 and [p.quantity for p in found.pegs] == [D(4), D(4)]
    page = signed_in(admin).get(reverse("manufacturing:order_detail", args=[made.pk])).content.decode()
    assert first.number in page and second.number in page and 'id="pegging-demands"' in page
    page = signed_in(admin).get(reverse("purchasing:request_detail", args=[legs.pk])).content.decode()
    assert made.components.number in page and "28 for no demand" in page  # 50 less 22
    page = signed_in(admin).get(reverse("planning:planned_detail", args=[chair.pk])).content.decode()
    assert first.number in page and second.number in page


def test_a_lot_for_a_parent_and_a_delivery_is_pegged_to_both(shop: Shop, admin: User) -> None:
    """10 chairs on day 20 (8 to make: 32 legs wanted by the chairs' order, 10 in stock) and 60
    legs sold on day 30: the first lot of 50 gives the chairs' order 22 and the sale the 28 left;
    the second lot of 50 the sale's last 32, 18 for no one."""
    shop.deliver("chair", "10", day(20))
    sale = shop.deliver("leg", "60", day(30))
    move = sale.moves.get().pk
    run = shop.run()
    legs = list(run.orders.filter(product__sku="LEG").order_by("due_date"))
    assert [leg.quantity for leg in legs] == [D(50), D(50)]
    assert _pegs(legs[0]) == [(None, "CHAIR", D(22)), (move, None, D(28))]
    assert _pegs(legs[1]) == [(move, None, D(32))]
    assert legs[0].demand_move is None and legs[1].demand_move_id == move
    shown = api_client(admin).get(f"/api/v1/planning/mrp-runs/{run.pk}/planned-orders/").json()
    by_id = {row["id"]: row for row in shown["results"]}
    assert by_id[legs[0].pk]["pegs"] == [
        {"demand_move": None, "transfer": None, "parent": _order(run, "CHAIR").pk, "quantity": "22.0000"},
        {"demand_move": move, "transfer": sale.pk, "parent": None, "quantity": "28.0000"},
    ]


def test_a_kits_components_are_pegged_to_the_demands_for_the_kit(company: Company, admin: User) -> None:
    """A bench kit (phantom: 2 legs and a plank) sold 3 and 2 on day 30, no legs in stock: the
    kit is seen through, its 10 legs wanted 6 by the first sale, 4 by the second — the lot of 50
    gives them that, 40 for no one; the planks 3 and 2 of a lot of 20."""
    shop = chair_shop.build(company, admin, legs="0")
    from tandem.catalog.services import create_product
    from tandem.core.models import Uom

    kit = create_product(company, admin, name="Bench kit", sku="KIT", uom=Uom.objects.get(code="pcs"))
    manufacturing.create_bom(
        company,
        admin,
        product=kit,
        kind=Bom.Kind.PHANTOM,
        lines=[LineData(shop.products["leg"], "2"), LineData(shop.products["plank"], "1")],
    )
    shop.products["kit"] = kit
    first, second = shop.deliver("kit", "3", day(30)), shop.deliver("kit", "2", day(30))
    run = shop.run()
    assert not run.orders.filter(product=kit).exists()
    one, two = first.moves.get().pk, second.moves.get().pk
    assert _pegs(_order(run, "LEG")) == [(one, None, D(6)), (two, None, D(4))]
    assert _pegs(_order(run, "PLANK")) == [(one, None, D(3)), (two, None, D(2))]
    mrp_services.release_orders(shop.company, admin, [_order(run, "LEG")])
    legs = PurchaseRequest.objects.get(product__sku="LEG")
    found = planning.pegging(legs)
    assert found is not None and found.free == D(40)
    assert [(p.demand_move_id, p.quantity) for p in found.pegs] == [(one, D(6)), (two, D(4))]


def test_another_companys_pegs_are_never_seen(
    shop: Shop, admin: User, other_company: Company, make_user: object
) -> None:
    """Both companies sell chairs twice: each run pegs its own deliveries only, each order's page
    and the sale's made-to-order view show their company's and nothing of the other's."""
    ours = [shop.deliver("chair", "6", day(20)), shop.deliver("chair", "4", day(20))]
    other = chair_shop.build(other_company, admin)
    theirs = [other.deliver("chair", "5", day(20)), other.deliver("chair", "5", day(20))]
    mine, foreign = shop.run(), other.run()
    own_moves = set(Transfer.objects.filter(pk__in=[t.pk for t in ours]).values_list("moves", flat=True))
    their_moves = set(Transfer.objects.filter(pk__in=[t.pk for t in theirs]).values_list("moves", flat=True))
    assert {p.demand_move_id for p in _order(mine, "CHAIR").pegs.all()} == own_moves
    assert {p.demand_move_id for p in _order(foreign, "CHAIR").pegs.all()} == their_moves
    mrp_services.release_orders(shop.company, admin, [_order(mine, "CHAIR")])
    mrp_services.release_orders(other.company, admin, [_order(foreign, "CHAIR")])
    made = ManufacturingOrder.objects.get(company=shop.company, product__company=shop.company)
    elsewhere = ManufacturingOrder.objects.get(company=other_company)
    assert sales_queries.made_to_order(ours) == [made]
    assert sales_queries.made_to_order(theirs) == [elsewhere]
    found = planning.pegging(made)
    assert found is not None and {p.demand_move_id for p in found.pegs} == own_moves
    page = signed_in(admin).get(reverse("manufacturing:order_detail", args=[made.pk])).content.decode()
    assert all(f'data-peg="{p.pk}"' not in page for p in _order(foreign, "CHAIR").pegs.all())


def test_a_sub_assembly_lot_for_two_parents_is_pegged_to_both_component_moves(
    shop: Shop, admin: User
) -> None:
    """Seats in lots of at least 20: 6 chairs on day 20 and 5 on day 27 (2 in stock) are two chair
    orders of 4 and 5, whose 9 seats are one order of 20 pegged to both (11 for no one). Released
    together, the seats' pegs are each chair order's seat move, the order made for neither move
    alone; the schedule still makes the seats (80 hours on the bench) before either chair order
    begins (the chairs wait for their seats: ``scheduling.components_ready``)."""
    mrp_services.create_product_planning(
        shop.company, admin, product=shop.products["seat"], policy="minimum", lot_quantity="20"
    )
    shop.deliver("chair", "6", day(20))
    shop.deliver("chair", "5", day(27))
    run = shop.run()
    chairs = list(run.orders.filter(product__sku="CHAIR").order_by("due_date"))
    seat = _order(run, "SEAT")
    assert [c.quantity for c in chairs] == [D(4), D(5)] and seat.quantity == D(20)
    assert _pegs(seat) == [(None, "CHAIR", D(4)), (None, "CHAIR", D(5))]
    assert {p.parent_id for p in seat.pegs.all()} == {c.pk for c in chairs}
    mrp_services.release_orders(shop.company, admin, [*chairs, seat])
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    made = list(ManufacturingOrder.objects.filter(product__sku="CHAIR").order_by("due_date"))
    assert seats.demand_move is None
    assert {p.demand_move_id for p in seat.pegs.all()} == {
        m.components.moves.get(product__sku="SEAT").pk for m in made if m.components is not None
    }
    scheduling.schedule(shop.company, day=TODAY)
    seats.refresh_from_db()
    assert seats.planned_finish is not None
    for order in made:
        order.refresh_from_db()
        assert order.planned_start is not None and seats.planned_finish <= order.planned_start


def test_an_rfq_line_says_every_demand_its_request_is_bought_for(
    shop: Shop, admin: User, pinned_queries: PinnedQueries
) -> None:
    """10 chairs on day 20 (32 legs wanted by the chairs' order, 10 in stock) and 60 legs sold on
    day 30: the first lot of 50 legs gives the chairs' order 22 and the sale 28. Released with the
    chairs, its RFQ line is bought for both — the chairs' component transfer and the delivery, each
    with its quantity — on the order's page and in its API answer, though the request has no single
    move it is bought for. The page reads it in the same queries whatever the demands."""
    shop.deliver("chair", "10", day(20))
    sale = shop.deliver("leg", "60", day(30))
    run = shop.run()
    first = run.orders.filter(product__sku="LEG").order_by("due_date").first()
    assert first is not None
    mrp_services.release_orders(shop.company, admin, [_order(run, "CHAIR"), first])
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    legs = PurchaseRequest.objects.get(product__sku="LEG")
    assert chairs.components is not None and legs.order_line is not None and legs.demand_move is None
    component = chairs.components.moves.get(product__sku="LEG")
    url = reverse("purchasing:order_detail", args=[legs.order_line.order_id])
    client = signed_in(admin)
    bought = client.get(url).content.decode().split("data-bought-for>", 1)[1].split("</div>", 1)[0]
    assert f"{chairs.components.number}</a> (22 pcs)" in bought and f"{sale.number}</a> (28 pcs)" in bought
    shown = api_client(admin).get(f"/api/v1/purchasing/orders/{legs.order_line.order_id}/").json()
    assert shown["bought_for"] == [
        {
            "line": legs.order_line_id,
            "order_by": first.start_date.isoformat(),
            "demands": [
                {
                    "demand_move": component.pk,
                    "transfer": chairs.components.pk,
                    "transfer_number": chairs.components.number,
                    "parent_planned_order": _order(run, "CHAIR").pk,
                    "quantity": "22.0000",
                },
                {
                    "demand_move": sale.moves.get().pk,
                    "transfer": sale.pk,
                    "transfer_number": sale.number,
                    "parent_planned_order": None,
                    "quantity": "28.0000",
                },
            ],
        }
    ]

    def another_demand() -> None:
        more = shop.deliver("leg", "5", day(40))
        Peg.objects.create(
            company=shop.company, planned_order=first, demand_move=more.moves.get(), quantity=5
        )

    pinned_queries.check("purchasing:order_detail:bought_for", lambda: client.get(url), grow=another_demand)


def test_orders_planned_before_pegs_get_the_demand_they_were_pegged_to(shop: Shop, admin: User) -> None:
    """Planned orders written before pegs existed had only their single link: the migration that
    pegs them gives a chairs' order its delivery and the legs bought for the chairs' released order
    (pegged to the chairs' planned order) the component move their request was bought for, each
    for its whole quantity, so the RFQ line still says what it is bought for."""
    import importlib

    from django.apps import apps

    delivery = shop.deliver("chair", "10", day(20))
    run = shop.run()
    chair, leg = _order(run, "CHAIR"), _order(run, "LEG")
    mrp_services.release_orders(shop.company, admin, [chair, leg])
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert chairs.components is not None
    Peg.objects.all().delete()
    migration = importlib.import_module("tandem.planning.migrations.0009_pegs_of_earlier_orders")
    migration.peg_earlier_orders(apps, None)
    assert _pegs(chair) == [(delivery.moves.get().pk, None, chair.quantity)]
    component = chairs.components.moves.get(product__sku="LEG").pk
    assert _pegs(leg) == [(component, "CHAIR", leg.quantity)]
    assert _pegs(_order(run, "SEAT")) == [(None, "CHAIR", _order(run, "SEAT").quantity)]
