"""Capable-to-promise and finite scheduling against the hand-computed table shop
(``tests/planning/table_shop.py``: read its docstring first)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tandem.catalog.services import create_product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, Uom, User
from tandem.inventory import services as inventory
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre, WorkOrder
from tandem.planning import capacity, scheduling
from tandem.planning.promise import Bound, Source
from tandem.planning.queries import capable_to_promise
from tests.planning.table_shop import TODAY, at, build

pytestmark = pytest.mark.django_db


def test_four_tables_wait_for_the_legs_over_christmas(company: Company, admin: User) -> None:
    """Tops: the saw is busy with the shelf until 13:00 on the 22nd; cutting four tops takes
    30 + 4 × 90 = 390 min: 3 h on the 22nd, 3.5 h on the 23rd (to 11:30); sanding them takes
    60 min at assembly: 11:30–12:00 on the 23rd, 8:00–8:30 on the 24th.
    Legs: bought, 3 days: the 25th. Screws: in stock.
    Tables: assembly could start on the 25th, but the 25th and 26th are holidays and the 27th a
    Sunday: 60 + 4 × 30 = 180 min on Monday the 28th, 8:00–11:00."""
    shop = build(company, admin)
    found = capable_to_promise(shop.products["table"], "4", today=TODAY)
    assert found.date == datetime.date(2026, 12, 28)
    top, *_ = found.steps
    assert (top.source, top.bound, top.start, top.finish) == (
        Source.PRODUCTION, Bound.COMPONENTS, at(28, 8), at(28, 11),
    )  # fmt: skip
    chain = found.bounds
    assert [(s.product.sku, s.bound) for s in chain] == [("TBL", Bound.COMPONENTS), ("LEG", Bound.LEAD_TIME)]
    assert chain[1].date == datetime.date(2026, 12, 25) and chain[1].lead_days == 3
    steps = {s.product.sku: s for s in found.steps}
    assert (steps["TOP"].bound, steps["TOP"].centre, steps["TOP"].finish) == (
        Bound.CAPACITY, "SAW Saw", at(24, 8, 30),
    )  # fmt: skip
    assert steps["SCR"].source == Source.STOCK
    assert "3 days" in found.reason


def test_the_promise_writes_its_quantities_plainly(company: Company, admin: User) -> None:
    """Read by a salesperson: 30 and 100, never 3E+1 and 1E+2 (``Decimal.normalize``)."""
    shop = build(company, admin)
    assert capable_to_promise(shop.products["screw"], "30", today=TODAY).reason == "30 Screw in stock."
    assert capable_to_promise(shop.products["screw"], Decimal("100.0000"), today=TODAY).reason == (
        "100 Screw in stock."
    )


def test_with_legs_on_the_shelf_the_saw_bounds_the_tables(company: Company, admin: User) -> None:
    """Tops are there at 8:30 on the 24th (as above); assembly is free: 8:30–11:30 the same day."""
    shop = build(company, admin, legs_in_stock="16")
    found = capable_to_promise(shop.products["table"], Decimal(4), today=TODAY)
    assert found.date == datetime.date(2026, 12, 24)
    assert found.steps[0].finish == at(24, 11, 30)
    assert [(s.product.sku, s.bound, s.centre) for s in found.bounds] == [
        ("TBL", Bound.COMPONENTS, ""),
        ("TOP", Bound.CAPACITY, "SAW Saw"),
    ]


def test_stock_and_open_supply_come_first(company: Company, admin: User) -> None:
    shop = build(company, admin, legs_in_stock="4")
    assert capable_to_promise(shop.products["leg"], "4", today=TODAY).steps[0].source == Source.STOCK
    # five legs: one more than the shelf holds, bought in 3 days
    five = capable_to_promise(shop.products["leg"], "5", today=TODAY)
    assert (five.date, five.steps[0].source) == (datetime.date(2026, 12, 25), Source.PURCHASE)
    assert five.steps[0].made == 1
    # the shelf's released order brings one shelf, planned (unscheduled) on its due date: today
    shelf = capable_to_promise(shop.products["shelf"], "1", today=TODAY)
    assert (shelf.date, shelf.steps[0].source) == (TODAY, Source.SUPPLY)


def test_a_component_used_twice_is_not_promised_twice(company: Company, admin: User) -> None:
    """Twelve legs on the shelf: four tables take sixteen, so all sixteen... are bought? No: the
    twelve are taken and four bought — the table still waits for the 25th; and the stock the
    promise took is not taken again by a sibling line of the same call."""
    shop = build(company, admin, legs_in_stock="12")
    found = capable_to_promise(shop.products["table"], "4", today=TODAY)
    legs = next(s for s in found.steps if s.product.sku == "LEG")
    assert (legs.quantity, legs.made, legs.source) == (16, 4, Source.PURCHASE)
    assert found.date == datetime.date(2026, 12, 28)


def test_a_bought_component_without_a_supplier_gives_no_promise(company: Company, admin: User) -> None:
    shop = build(company, admin)
    glue = create_product(company, admin, name="Glue", sku="GLU", uom=Uom.objects.get(code="pcs"))
    bom = manufacturing.create_bom(
        company, admin, product=create_product(company, admin, name="Bench", sku="BEN", uom=glue.uom),
        lines=[manufacturing.LineData(glue, "1"), manufacturing.LineData(shop.products["screw"], "2")],
    )  # fmt: skip
    found = capable_to_promise(bom.product, "1", today=TODAY)
    assert found.date is None
    assert [s.bound for s in found.bounds] == [Bound.COMPONENTS]
    glue_step = next(s for s in found.steps if s.product.sku == "GLU")
    assert (glue_step.source, glue_step.bound) == (Source.NONE, Bound.NO_SUPPLIER)
    assert "no supplier price" in glue_step.reason


def test_bad_input_is_refused_and_nothing_is_written(
    company: Company, admin: User, other_company: Company
) -> None:
    shop = build(company, admin)
    elsewhere = inventory.create_warehouse(other_company, None, name="Elsewhere", code="EL")
    before = (Event.objects.count(), ManufacturingOrder.objects.count())
    for quantity in ("0", "-2", "many", "", "NaN"):
        with pytest.raises(ValidationFailed) as refused:
            capable_to_promise(shop.products["table"], quantity, today=TODAY)
        assert "quantity" in refused.value.errors
    with pytest.raises(ValidationFailed) as floating:
        capable_to_promise(shop.products["table"], 1.5, today=TODAY)
    assert floating.value.errors["quantity"] == ["Numbers are decimals, never floating point."]
    with pytest.raises(ValidationFailed) as foreign:
        capable_to_promise(shop.products["table"], "1", warehouse=elsewhere, today=TODAY)
    assert "warehouse" in foreign.value.errors
    assert (Event.objects.count(), ManufacturingOrder.objects.count()) == before


def test_a_promise_reads_in_a_fixed_number_of_queries(
    company: Company, admin: User, django_assert_max_num_queries: object
) -> None:
    shop = build(company, admin)
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        capable_to_promise(shop.products["table"], "4", today=TODAY)


# --- scheduling and load ----------------------------------------------------------------------------


def test_scheduling_levels_the_overloaded_saw_in_operation_order(company: Company, admin: User) -> None:
    """The shelf (5 h) and four tops (6.5 h cut, 1 h sand), both due today: 11.5 h on an 8-hour
    saw today, until scheduled: the shelf 8:00–13:00 (the lower id first), the tops' cutting
    13:00 → 11:30 the next day, their sanding after it at assembly, 11:30–12:00 and 8:00–8:30."""
    shop = build(company, admin)
    tops = manufacturing.confirm_order(
        manufacturing.create_order(
            company, admin, product=shop.products["top"], quantity="4", due_date=TODAY
        ),
        admin,
    )
    saw = next(c for c in capacity.load(company, TODAY, 7) if c.centre.code == "SAW")
    assert [(d.day.day, d.load, d.over) for d in saw.days[:2]] == [
        (22, Decimal("11.50"), True),
        (23, 0, False),
    ]

    result = scheduling.schedule(company, admin, day=TODAY)

    assert (result.orders, result.work_orders, [o.pk for o in result.late]) == (2, 3, [tops.pk])
    planned = {
        w.name: (w.planned_start, w.planned_finish) for w in WorkOrder.objects.filter(order__company=company)
    }
    assert planned == {
        "Saw": (at(22, 8), at(22, 13)),
        "Cut": (at(22, 13), at(23, 11, 30)),
        "Sand": (at(23, 11, 30), at(24, 8, 30)),
    }
    tops.refresh_from_db()
    assert (tops.planned_start, tops.planned_finish) == (at(22, 13), at(24, 8, 30))
    loads = {
        c.centre.code: [(d.day.day, d.load, d.capacity) for d in c.days]
        for c in capacity.load(company, TODAY, 7)
    }
    assert loads["SAW"][:3] == [(22, Decimal("8.00"), 8), (23, Decimal("3.50"), 8), (24, 0, 8)]
    assert loads["ASM"][1:4] == [
        (23, Decimal("0.50"), 4),
        (24, Decimal("0.50"), 4),
        (25, 0, 0),
    ]  # 25th: Christmas
    assert not any(d.over for c in capacity.load(company, TODAY, 7) for d in c.days)
    event = Event.objects.get(name="planning.scheduled")
    assert event.data == {"orders": 2, "work_orders": 3, "late": [tops.number]}


def test_a_centre_that_never_works_cannot_be_scheduled(company: Company) -> None:
    """The service refuses a centre without working days; one read as such never loops."""
    clock = capacity.Clock(WorkCentre(company=company, name="Idle", code="IDL", working_days=""))
    with pytest.raises(capacity.NoWorkingDay):
        clock.next_working(TODAY)
