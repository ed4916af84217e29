"""MRP netting against hand-computed examples (the chair shop of ``chair_shop``): multi-level with
lead-time offsets, each lot-sizing policy, forecasts consumed by orders, exception messages."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.catalog.services import create_product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import WorkCentre
from tandem.manufacturing.services import LineData, OperationData
from tandem.planning import capacity, mrp, mrp_services, scheduling
from tandem.planning.models import Forecast, MrpException, MrpRun, PlannedOrder, ProductPlanning
from tests.planning import chair_shop
from tests.planning.chair_shop import TODAY, Shop, day

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(company: Company, admin: User) -> Shop:
    return chair_shop.build(company, admin)


def _orders(run: MrpRun) -> dict[str, list[tuple[str, Decimal, datetime.date, datetime.date]]]:
    found: dict[str, list[tuple[str, Decimal, datetime.date, datetime.date]]] = {}
    for row in run.orders.select_related("product").order_by("due_date", "id"):
        found.setdefault(row.product.sku, []).append((row.kind, row.quantity, row.start_date, row.due_date))
    return found


def _exceptions(run: MrpRun) -> list[tuple[str, str, str, datetime.date | None, datetime.date | None]]:
    return [
        (row.product.sku, row.kind, row.reference, row.due_date, row.need_date)
        for row in run.exception_rows.select_related("product").order_by("id")
    ]


@pytest.mark.parametrize(
    ("net", "policy", "lot", "rounding", "wanted"),
    [
        ("7", "lot_for_lot", "0", "0", "7"),
        ("7.2", "lot_for_lot", "0", "1", "8"),
        ("22", "multiple", "50", "1", "50"),
        ("51", "multiple", "50", "1", "100"),
        ("8", "minimum", "20", "1", "20"),
        ("25", "minimum", "20", "1", "25"),
        ("0", "minimum", "20", "1", "0"),
    ],
)
def test_lot_sizing(net: str, policy: str, lot: str, rounding: str, wanted: str) -> None:
    assert mrp.lot_size(D(net), policy, D(lot), D(rounding)) == D(wanted)


def test_multi_level_netting_with_lead_times_and_lot_sizes(shop: Shop) -> None:
    shop.deliver("chair", "10", day(20))  # Sunday 24 January
    run = shop.run()
    assert run.state == MrpRun.State.DONE
    assert _orders(run) == {
        # 10 wanted, 2 in stock: 8; (60 + 8 × 30) min is one 8-hour day, the bench's last working
        # day before the Sunday: Friday the 22nd
        "CHAIR": [("make", D(8), day(18), day(20))],
        # 8 × 240 min = 32 hours: the four working days before the chairs start, Monday to Thursday
        "SEAT": [("make", D(8), day(14), day(18))],
        # 32 legs at the chairs' start, 10 in stock: 22, in a multiple of 50; 5 calendar days of
        # lead time
        "LEG": [("buy", D(50), day(13), day(18))],
        # 8 planks at the seats' start, at least 20; 10 calendar days of lead time
        "PLANK": [("buy", D(20), day(4), day(14))],
    }
    levels = dict(run.orders.values_list("product__sku", "level"))
    assert levels == {"CHAIR": 0, "SEAT": 1, "LEG": 1, "PLANK": 2}
    leg = run.orders.get(product__sku="LEG")
    assert leg.partner == shop.suppliers["leg"] and leg.bom is None
    assert run.orders.get(product__sku="CHAIR").bom is not None
    assert _exceptions(run) == []
    assert (run.planned_orders, run.exceptions, run.products) == (4, 0, 4)


def test_days_of_supply_cover_the_needs_of_the_period(shop: Shop) -> None:
    ProductPlanning.objects.filter(product=shop.products["leg"]).update(policy="period", lot_quantity=7)
    net = mrp.net(
        [(day(n), D(q), None) for n, q in ((10, 4), (12, 6), (10, 1), (17, 3), (30, 2))],
        [mrp.Supply(TODAY, D(2))],
        TODAY,
        lambda need: need,
        mrp.offset(5, TODAY),
        period=7,
    )
    # day 10: 5 wanted, 2 in stock: 3 + day 12's 6; day 17: 3 (+ nothing within 7 days); day 30: 2
    assert [(p.quantity, p.start, p.due) for p in net.planned] == [
        (D(9), day(5), day(10)),
        (D(3), day(12), day(17)),
        (D(2), day(25), day(30)),
    ]


def test_a_planned_order_is_pegged_to_the_one_move_it_meets() -> None:
    """Move 1 wants 5 on day 10, 2 in stock: the order of 3 is for it. Moves 2 and 3 want 4 on
    day 12 together: that order is for neither. A lot of 10 for move 4 (day 20) also meets move
    5 (day 21) from what it brings beyond its need: for neither either."""

    def pegs(demands: list[mrp.Demand], lot: int = 0) -> list[int | None]:
        size = (lambda need: max(need, D(lot))) if lot else (lambda need: need)
        netted = mrp.net(demands, [mrp.Supply(TODAY, D(2))], TODAY, size, mrp.offset(1, TODAY))
        return [row.pegged for row in netted.planned]

    assert pegs([(day(10), D(5), 1), (day(12), D(2), 2), (day(12), D(2), 3)]) == [1, None]
    assert pegs([(day(20), D(5), 4), (day(21), D(3), 5)], lot=10) == [None]
    assert pegs([(day(20), D(5), 4), (day(21), D(3), None)], lot=10) == [None]  # and a forecast
    assert pegs([(day(20), D(5), 4), (day(40), D(9), 5)], lot=10) == [None, 5]  # 7 of the 9 from the lot
    assert pegs([(day(20), D(5), 4), (day(40), D(9), 5)]) == [4, 5]  # lot for lot


def test_an_order_that_cannot_be_on_time_is_late_and_starts_today(shop: Shop) -> None:
    shop.deliver("chair", "10", day(2))  # Wednesday
    run = shop.run()
    orders = _orders(run)
    assert orders["CHAIR"] == [("make", D(8), day(1), day(2))]
    # the seats should have started 4 days before the chairs: late, they start today; the chairs
    # hold the bench 300 min on day 1, so their 8 × 240 min are 480 + 180 + 480 + 480 + 300: due day 5
    assert orders["SEAT"] == [("make", D(8), TODAY, day(5))]
    assert orders["PLANK"] == [("buy", D(20), TODAY, day(10))]
    late = [(sku, due, need) for sku, kind, _ref, due, need in _exceptions(run) if kind == "late"]
    assert late == [("SEAT", day(5), day(1)), ("LEG", day(5), day(1)), ("PLANK", day(10), TODAY)]


@pytest.mark.parametrize(
    ("country", "need", "start"),
    [
        # 4 seats (960 min) wanted on Monday the 11th: two days, Thursday and Friday
        ("", datetime.date(2027, 1, 11), datetime.date(2027, 1, 7)),
        # wanted on Tuesday 9 February, the Monday before a Slovenian holiday: Thursday and Friday
        ("SI", datetime.date(2027, 2, 9), datetime.date(2027, 2, 4)),
    ],
)
def test_production_lead_time_counts_the_work_centres_working_days(
    shop: Shop, country: str, need: datetime.date, start: datetime.date
) -> None:
    WorkCentre.objects.filter(company=shop.company, code="BENCH").update(holiday_country=country)
    shop.deliver("seat", "4", need)
    assert _orders(shop.run())["SEAT"] == [("make", D(4), start, need)]


def test_an_open_order_takes_its_working_days_to_make(shop: Shop) -> None:
    """A draft order of 12 seats (2880 min: six days at the bench) due on Wednesday, wanted then:
    begun today it is made Monday to Friday and on the next Monday, there on Tuesday day 8 at best
    — the weekend is not worked."""
    order = manufacturing.create_order(
        shop.company, shop.admin, product=shop.products["seat"], quantity="12",
        warehouse=shop.warehouse, due_date=day(2),
    )  # fmt: skip
    shop.deliver("seat", "12", day(2))
    assert _notices(shop.run(), "SEAT") == [("late", f"MO #{order.pk}", D(12), day(8), day(2))]


def test_a_draft_orders_components_are_wanted_when_its_work_starts(shop: Shop) -> None:
    """A draft order of 2 chairs (120 min) due on Monday 1 February wants its seat and legs on
    the bench's last working day before, Friday 29 January — not on the Sunday."""
    manufacturing.create_order(
        shop.company, shop.admin, product=shop.products["chair"], quantity="2",
        warehouse=shop.warehouse, due_date=day(28),
    )  # fmt: skip
    orders = _orders(shop.run())
    assert orders["SEAT"] == [("make", D(2), day(24), day(25))]
    assert "LEG" not in orders  # 8 legs: the 10 in stock


def _stool(shop: Shop) -> None:
    """A stool: one plank, 480 min at the bench, a whole day of its 8 hours."""
    stool = create_product(
        shop.company, shop.admin, name="Stool", sku="STOOL", uom=Uom.objects.get(code="pcs")
    )
    bench = WorkCentre.objects.get(company=shop.company, code="BENCH")
    routing = manufacturing.create_routing(
        shop.company, shop.admin, name="stool", operations=[OperationData("Turn", bench, run_minutes="480")]
    )
    manufacturing.create_bom(
        shop.company,
        shop.admin,
        product=stool,
        routing=routing,
        lines=[LineData(shop.products["plank"], "1")],
    )
    shop.products["stool"] = stool


def test_two_orders_that_fill_the_bench_a_day_each_are_made_on_different_days(shop: Shop) -> None:
    """Two seats (2 × 240 min) and a stool (480 min) wanted on day 10: a day of the bench each.
    The stool (level 0) is netted first and takes day 9; the seats find day 9 full and take
    day 8 — the routing alone would start both on day 9."""
    _stool(shop)
    shop.deliver("seat", "2", day(10))
    shop.deliver("stool", "1", day(10))
    orders = _orders(shop.run())
    assert orders["STOOL"] == [("make", D(1), day(9), day(10))]
    assert orders["SEAT"] == [("make", D(2), day(8), day(10))]


def test_the_load_of_released_orders_delays_a_planned_order(shop: Shop) -> None:
    """A released order for a stool, scheduled, holds the bench all of today: two seats wanted
    tomorrow cannot be made today — they are made tomorrow, due the day after, late. (Its plank
    is in stock: the schedule would wait for a bought one.)"""
    _stool(shop)
    inventory.import_opening_stock(
        shop.company,
        shop.admin,
        [inventory.OpeningLine(shop.products["plank"], shop.warehouse.stock_location, "1", unit_cost="4")],  # type: ignore[arg-type]
    )
    order = manufacturing.create_order(
        shop.company, shop.admin, product=shop.products["stool"], quantity="1", due_date=day(1)
    )
    manufacturing.confirm_order(order, shop.admin)
    scheduling.schedule(shop.company, day=TODAY)
    shop.deliver("seat", "2", day(1))
    run = shop.run()
    assert _orders(run)["SEAT"] == [("make", D(2), day(1), day(2))]
    assert [row for row in _exceptions(run) if row[0] == "SEAT"] == [("SEAT", "late", "", day(2), day(1))]


def test_a_released_order_not_scheduled_loads_the_last_working_day_before_it_is_due(shop: Shop) -> None:
    """A released stool (480 min: all of a bench day), not scheduled, due on Sunday day 6: its
    work loads Friday day 4, which the capacity page shows and MRP does not plan on again — two
    seats wanted on Monday day 7 are made on the Thursday."""
    _stool(shop)
    order = manufacturing.create_order(
        shop.company, shop.admin, product=shop.products["stool"], quantity="1", due_date=day(6)
    )
    manufacturing.confirm_order(order, shop.admin)
    bench = next(row for row in capacity.load(shop.company, TODAY, 7) if row.centre.code == "BENCH")
    assert [(row.day, row.load) for row in bench.days if row.load] == [(day(4), D("8.00"))]
    assert not bench.overloaded
    shop.deliver("seat", "2", day(7))
    assert _orders(shop.run())["SEAT"] == [("make", D(2), day(3), day(7))]


def test_the_run_reads_the_load_in_the_same_queries_whatever_the_released_orders(shop: Shop) -> None:
    """The released work is read in two grouped queries (work orders, their logs), not per order."""
    _stool(shop)
    shop.deliver("seat", "2", day(10))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            mrp.plan(shop.company, TODAY, 90)
        return len(captured)

    def release(due: int) -> None:
        order = manufacturing.create_order(
            shop.company, shop.admin, product=shop.products["stool"], quantity="1", due_date=day(due)
        )
        manufacturing.confirm_order(order, shop.admin)

    release(3)
    one = queries()
    for due in (4, 5, 6):
        release(due)
    scheduling.schedule(shop.company, day=TODAY)
    assert queries() == one


def test_open_supply_is_brought_forward_pushed_back_or_cancelled(shop: Shop) -> None:
    shop.deliver("chair", "10", day(20))  # a Sunday: the chairs are made on the Friday, day 18
    late_legs = shop.receive("leg", "30", day(26))  # needed on day 18 (32 legs, 10 in stock)
    early_planks = shop.receive("plank", "8", day(1))  # needed when the seats start
    shop.receive("seat", "5", day(3))  # needed when the chairs start, on day 18
    run = shop.run()
    orders = _orders(run)
    assert "LEG" not in orders  # the receipt covers them, brought forward
    assert "PLANK" not in orders
    # 8 less the 5 received: 3 × 240 min is a day and a half, so two days: Wednesday and Thursday
    assert orders["SEAT"] == [("make", D(3), day(16), day(18))]
    assert sorted((sku, kind, due, need) for sku, kind, _r, due, need in _exceptions(run)) == [
        ("LEG", "resched_in", day(26), day(18)),
        ("PLANK", "resched_out", day(1), day(16)),  # 3 planks wanted when the seats start
        ("SEAT", "resched_out", day(3), day(18)),
    ]
    refs = {row.product.sku: row.reference for row in run.exception_rows.select_related("product")}
    assert refs["LEG"] == late_legs.number and refs["PLANK"] == early_planks.number


def _notices(
    run: MrpRun, sku: str
) -> list[tuple[str, str, Decimal, datetime.date | None, datetime.date | None]]:
    return [
        (row.kind, row.reference, row.quantity, row.due_date, row.need_date)
        for row in run.exception_rows.filter(product__sku=sku).order_by("id")
    ]


def test_existing_supply_that_cannot_come_in_time_is_late_and_brought_forward() -> None:
    """The arithmetic: a receipt due on day 12 that takes 5 days from today meets a need of day 2
    (late: day 5 at best, so brought forward to day 5) and one of day 8 (brought forward to day 8);
    a manufacturing order not scheduled, due on day 1, that takes 2 days is late though due in time."""

    def netted(need: datetime.date, supply: mrp.Supply) -> list[mrp.Notice]:
        return mrp.net([(need, D(30), None)], [supply], TODAY, lambda n: n, mrp.offset(0, TODAY)).notices

    assert netted(day(2), mrp.Supply(day(12), D(30), "IN/1", lead=5)) == [
        mrp.Notice("late", D(30), "IN/1", day(5), day(2)),
        mrp.Notice("resched_in", D(30), "IN/1", day(12), day(5)),
    ]
    assert netted(day(8), mrp.Supply(day(12), D(30), "IN/1", lead=5)) == [
        mrp.Notice("resched_in", D(30), "IN/1", day(12), day(8)),
    ]
    assert netted(day(1), mrp.Supply(day(1), D(30), "MO/1", lead=2, committed=False)) == [
        mrp.Notice("late", D(30), "MO/1", day(2), day(1)),
    ]
    # committed (a supplier's date, a scheduled order): it keeps its date, however long it takes
    assert netted(day(1), mrp.Supply(day(1), D(30), "MO/1", lead=2)) == []


@pytest.mark.parametrize(
    ("sold_for", "wanted"),
    [
        # Tuesday: the 30 chairs to make take (60 + 30 × 30) min, two days at the bench: there on
        # day 2 at best, late, and to be brought forward as far as that
        (1, [("late", 30, 2, 1), ("resched_in", 30, 20, 2)]),
        # the 14th: in time if brought forward
        (10, [("resched_in", 30, 20, 10)]),
    ],
)
def test_an_open_manufacturing_order_due_after_the_sale_it_covers_is_late_or_brought_forward(
    shop: Shop, sold_for: int, wanted: list[tuple[str, int, int, int]]
) -> None:
    from tandem.manufacturing import services as manufacturing

    order = manufacturing.create_order(
        shop.company, shop.admin, product=shop.products["chair"], quantity="30",
        warehouse=shop.warehouse, due_date=day(20),
    )  # fmt: skip
    shop.deliver("chair", "32", day(sold_for))  # 2 in stock, the other 30 from the order
    run = shop.run()
    assert "CHAIR" not in _orders(run)  # the order covers them
    reference = f"MO #{order.pk}"  # a draft has no number yet
    assert _notices(run, "CHAIR") == [
        (kind, reference, D(quantity), day(due), day(need)) for kind, quantity, due, need in wanted
    ]
    for row in run.exception_rows.filter(product__sku="CHAIR", kind="late"):
        assert row.planned_order is None
        assert row.message == (
            f"{reference}: 30 × {order.product} needed on {day(1)} comes on {day(2)} at best."
        )


def test_an_open_purchase_order_arriving_late_is_flagged(shop: Shop) -> None:
    from tandem.purchasing import services as purchasing

    def rfq(sku: str, quantity: str, on: datetime.date) -> purchasing.PurchaseOrder:
        partner = shop.suppliers[sku]
        line = purchasing.OrderLineData(product=shop.products[sku], quantity=quantity, expected_date=on)
        return purchasing.create_order(shop.company, shop.admin, partner=partner, lines=[line])

    # 40 spare legs sold for Wednesday, 10 in stock; 30 ordered from Leg Co (5 days of lead time)
    # for the 16th: they can be there on day 5 at best
    confirmed = purchasing.confirm_order(rfq("leg", "30", day(12)), shop.admin)
    shop.deliver("leg", "40", day(2))
    # 20 planks sold for the 19th; an RFQ (not confirmed) of 20 from Timber Co (10 days of lead
    # time) for the 29th: it can come in time if brought forward
    shop.deliver("plank", "20", day(15))
    draft = rfq("plank", "20", day(25))
    run = shop.run()
    assert "LEG" not in _orders(run) and "PLANK" not in _orders(run)
    receipt = f"{confirmed.receipt.number} ({confirmed.number})"  # the receipt and its order
    assert _notices(run, "LEG") == [
        ("late", receipt, D(30), day(5), day(2)),
        ("resched_in", receipt, D(30), day(12), day(5)),
    ]
    assert _notices(run, "PLANK") == [("resched_in", f"RFQ #{draft.pk}", D(20), day(25), day(15))]
    assert run.exceptions == 3


def test_supply_nothing_needs_is_to_be_cancelled(shop: Shop) -> None:
    receipt = shop.receive("plank", "40", day(3))
    run = shop.run()
    assert _orders(run) == {}
    assert _exceptions(run) == [("PLANK", "cancel", receipt.number, day(3), None)]
    row = run.exception_rows.get()
    assert receipt.number in row.message and "not needed" in row.message


def test_forecasts_are_consumed_by_the_orders_of_their_month(shop: Shop) -> None:
    mrp_services.create_forecast(
        shop.company, shop.admin, product=shop.products["chair"], month="2027-02", quantity="15"
    )
    shop.deliver("chair", "5", datetime.date(2027, 2, 10))
    run = shop.run()
    # February: 15 forecast, 5 already ordered: 10 more on the 1st and the 5 on the 10th; 2 in stock
    assert [(q, due) for _k, q, _s, due in _orders(run)["CHAIR"]] == [
        (D(8), datetime.date(2027, 2, 1)),
        (D(5), datetime.date(2027, 2, 10)),
    ]
    assert run.demand_lines == 2 + 0  # a delivery line and a forecast


def test_a_forecast_is_netted_in_its_own_warehouse(shop: Shop) -> None:
    """Two warehouses: chairs forecast in the second are made there, from that warehouse's stock
    (none: the 2 chairs in stock are the first's), and consumed only by that warehouse's orders."""
    from tandem.inventory import services as inventory

    south = inventory.create_warehouse(shop.company, shop.admin, name="South depot", code="SD")
    forecast = mrp_services.create_forecast(
        shop.company,
        shop.admin,
        product=shop.products["chair"],
        warehouse=south,
        month="2027-02",
        quantity="6",
    )
    assert forecast.warehouse == south
    shop.deliver("chair", "4", datetime.date(2027, 2, 10))  # from the first warehouse: not consumption
    run = shop.run()
    chairs = {
        (row.warehouse.code, row.quantity, row.due_date)
        for row in run.orders.filter(product__sku="CHAIR").select_related("warehouse")
    }
    assert chairs == {
        ("SD", D(6), datetime.date(2027, 2, 1)),  # the forecast, all of it, in the second warehouse
        ("CW", D(2), datetime.date(2027, 2, 10)),  # 4 ordered, 2 in stock in the first
    }
    # their components are wanted where the chairs are made
    assert run.orders.filter(product__sku="SEAT", warehouse=south).exists()


def test_a_forecast_without_a_warehouse_goes_to_the_first_one(shop: Shop) -> None:
    from tandem.inventory import services as inventory

    inventory.create_warehouse(shop.company, shop.admin, name="South depot", code="SD")
    forecast = mrp_services.create_forecast(
        shop.company, shop.admin, product=shop.products["chair"], month="2027-02", quantity="6"
    )
    assert forecast.warehouse == shop.warehouse
    # the same product and month in another warehouse is another forecast
    other = mrp_services.create_forecast(
        shop.company,
        shop.admin,
        product=shop.products["chair"],
        warehouse=inventory.create_warehouse(shop.company, shop.admin, name="East", code="EA"),
        month="2027-02",
        quantity="2",
    )
    assert Forecast.objects.count() == 2 and other.warehouse.code == "EA"


def test_reorder_minimum_and_safety_stock_are_kept_as_a_floor(shop: Shop) -> None:
    from tandem.planning import services

    services.create_rule(
        shop.company, shop.admin, product=shop.products["leg"], warehouse=shop.warehouse,
        min_quantity="40", max_quantity="60", safety_stock="5",
    )  # fmt: skip
    ProductPlanning.objects.filter(product=shop.products["leg"]).update(policy="lot_for_lot")
    run = shop.run()
    # a floor of 45 today, 10 in stock: 35 legs, late (5 days of lead time)
    assert _orders(run) == {"LEG": [("buy", D(35), TODAY, day(5))]}
    assert [kind for _s, kind, *_ in _exceptions(run)] == ["late"]


def test_a_product_with_neither_bom_nor_supplier_is_flagged(shop: Shop, admin: User) -> None:
    from tandem.catalog.services import create_product
    from tandem.core.models import Uom

    glue = create_product(shop.company, admin, name="Glue", sku="GLUE", uom=Uom.objects.get(code="pcs"))
    mrp_services.create_forecast(shop.company, admin, product=glue, month="2027-02", quantity="3")
    run = shop.run()
    assert _orders(run) == {"GLUE": [("buy", D(3), datetime.date(2027, 2, 1), datetime.date(2027, 2, 1))]}
    assert [kind for _s, kind, *_ in _exceptions(run)] == ["no_source"]
    assert run.orders.get().partner is None


def test_firm_orders_are_kept_as_supply_by_the_next_run(shop: Shop) -> None:
    shop.deliver("chair", "10", day(20))
    first = shop.run()
    assert mrp_services.firm_orders(shop.company, shop.admin, first.orders.all()) == 4
    second = shop.run()
    assert _orders(second) == {}
    assert _exceptions(second) == []


def test_forecast_bad_input_is_refused_and_nothing_written(
    shop: Shop, other_company: Company, admin: User
) -> None:
    chair = shop.products["chair"]
    for quantity in ("0", "-3", "many"):
        with pytest.raises(ValidationFailed) as refused:
            mrp_services.create_forecast(
                shop.company, admin, product=chair, month="2027-02", quantity=quantity
            )
        assert "quantity" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_forecast(shop.company, admin, product=chair, month="February", quantity="3")
    assert "month" in refused.value.errors
    from tandem.catalog.services import create_product
    from tandem.core.models import Uom

    foreign = create_product(other_company, None, name="Stool", sku="ST", uom=Uom.objects.get(code="pcs"))
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_forecast(shop.company, admin, product=foreign, month="2027-02", quantity="3")
    assert refused.value.errors["product"] == ["This choice belongs to another company."]
    mrp_services.create_forecast(shop.company, admin, product=chair, month="2027-02-17", quantity="3")
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_forecast(shop.company, admin, product=chair, month="2027-02", quantity="4")
    assert "month" in refused.value.errors
    from tandem.inventory import services as inventory

    elsewhere = inventory.create_warehouse(other_company, None, name="Foreign", code="FW")
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_forecast(
            shop.company, admin, product=chair, warehouse=elsewhere, month="2027-03", quantity="3"
        )
    assert refused.value.errors["warehouse"] == ["This choice belongs to another company."]
    assert list(Forecast.objects.values_list("month", "quantity")) == [(datetime.date(2027, 2, 1), D(3))]


def test_lot_sizing_bad_input_is_refused(shop: Shop, admin: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_product_planning(
            shop.company, admin, product=shop.products["seat"], policy="multiple"
        )
    assert "lot_quantity" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        mrp_services.create_product_planning(
            shop.company, admin, product=shop.products["leg"], policy="minimum"
        )
    assert "product" in refused.value.errors  # it has one already
    assert not ProductPlanning.objects.filter(product=shop.products["seat"]).exists()


def test_a_run_that_fails_is_marked_and_writes_nothing(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    shop.deliver("chair", "10", day(20))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(mrp, "operations", broken)
    run = MrpRun.objects.create(company=shop.company, horizon_days=90)
    with pytest.raises(RuntimeError):
        mrp_services.run_mrp(run, today=TODAY)
    run.refresh_from_db()
    assert run.state == MrpRun.State.FAILED and run.finished_at is not None
    assert not PlannedOrder.objects.exists() and not MrpException.objects.exists()
