"""Make to order through sales, and the capacity page and API, in the table shop
(``tests/planning/table_shop.py``), on its Tuesday 22 December 2026."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core import roles
from tandem.core.models import Company, Event, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Move
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder
from tandem.partners.models import Partner
from tandem.planning import mrp_services, scheduling
from tandem.planning.models import PlannedOrder
from tandem.purchasing.models import PurchaseRequest
from tandem.sales import services as sales
from tandem.sales.queries import promise as sales_promise
from tests.kit.api import api_client, assert_problem
from tests.planning.table_shop import TODAY, Shop, build
from tests.sales.conftest import quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
CHRISTMAS_MONDAY = datetime.date(2026, 12, 28)


@pytest.fixture(autouse=True)
def today_is_the_22nd(monkeypatch: pytest.MonkeyPatch) -> None:
    original = timezone.localdate

    def localdate(value: Any = None, tz: Any = None) -> datetime.date:
        return TODAY if value is None else original(value, tz)

    monkeypatch.setattr(timezone, "localdate", localdate)


@pytest.fixture
def shop(company: Company, admin: User) -> Shop:
    return build(company, admin)


@pytest.fixture
def planner(make_user: Callable[..., User]) -> User:
    return make_user("petra", roles.PRODUCTION_PLANNER)


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Hotel Union", email="orders@union.example")


def test_confirming_a_sale_of_tables_makes_them_to_order(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    quoted = sales_promise.order_promise(order)
    assert (quoted.date, quoted.lines[0].source) == (CHRISTMAS_MONDAY, sales_promise.Source.PRODUCTION)
    assert "3 days" in quoted.lines[0].reason

    sales.confirm_order(order, admin)

    order.refresh_from_db()
    assert order.promised_date == CHRISTMAS_MONDAY
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    line_move = Move.objects.get(transfer=order.delivery, product=shop.products["table"])
    assert (table.state, table.quantity, table.source, table.origin) == (
        "confirmed",
        4,
        "sales",
        order.number,
    )
    assert (table.due_date, table.demand_move_id) == (CHRISTMAS_MONDAY, line_move.pk)
    assert table.work_orders.count() == 1
    top = ManufacturingOrder.objects.get(product=shop.products["top"])  # a made component: made for it
    assert (top.state, top.quantity, top.origin) == ("confirmed", 4, table.number)
    legs = PurchaseRequest.objects.get(product=shop.products["leg"])  # a bought one: bought
    assert (legs.quantity, legs.state) == (16, "open")
    assert not PurchaseRequest.objects.filter(
        product__in=[shop.products["table"], shop.products["top"]]
    ).exists()
    timeline = Event.objects.filter(partner_id=customer.pk, name="planning.made_to_order").order_by("id")
    assert [e.data["order"] for e in timeline] == [table.number, top.number]
    # Confirmed, the order's own manufacturing order is what brings its tables: still on time.
    again = sales_promise.order_promise(order)
    assert again.date == CHRISTMAS_MONDAY and not sales_promise.late(order, again)


def test_orders_made_to_order_are_scheduled_after_the_load_of_the_work_centres(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """The saw is busy with the shelf until 13:00 today. The top for the tables is cut from then
    (6 h 30: 3 h today, 3 h 30 on Wednesday, to 11:30) and sanded at assembly (4 hours a day,
    from 8:00: 30 min on Wednesday, 30 on Thursday, to 8:30). The tables are assembled once the
    top is there and the legs bought for them (3 days: Friday 25th, a holiday like the weekend):
    3 hours from 8:00 on Monday 28th — the day they were promised, not 8:00 today, when assembly
    is free but neither the top nor the legs are there."""
    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    sales.confirm_order(order, admin)
    order.refresh_from_db()

    def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2026, 12, day, hour, minute)

    def planned(mo: ManufacturingOrder) -> list[tuple[str, datetime.datetime, datetime.datetime]]:
        return [
            (w.work_centre.code, timezone.localtime(w.planned_start).replace(tzinfo=None),
             timezone.localtime(w.planned_finish).replace(tzinfo=None))
            for w in mo.work_orders.select_related("work_centre").order_by("sequence", "id")
        ]  # fmt: skip

    top = ManufacturingOrder.objects.get(product=shop.products["top"])
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    assert planned(top) == [("SAW", at(22, 13), at(23, 11, 30)), ("ASM", at(23, 11, 30), at(24, 8, 30))]
    assert planned(table) == [("ASM", at(28, 8), at(28, 11))]
    assert timezone.localtime(table.planned_start).replace(tzinfo=None) == at(28, 8)
    assert timezone.localtime(table.planned_finish).date() == CHRISTMAS_MONDAY == order.promised_date
    # the shelf already released keeps its dates; the event says what was scheduled
    assert shop.shelf_order.work_orders.get().planned_start is None
    event = Event.objects.filter(name="planning.scheduled").get()
    assert (event.data["orders"], event.data["work_orders"], event.data["late"]) == (2, 3, [])


def test_the_capacity_schedule_keeps_a_sub_assembly_and_bought_components_before_their_order(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """Scheduling everything again (the capacity page's button) places the top made for the
    tables just before them and holds the tables until the legs bought for them can come (3 days,
    the 25th, a holiday: Monday 28th) — not at 8:00 today, when assembly is free. The top is cut
    after the shelf, which is due first (13:00 today to 11:30 on Wednesday) and sanded at 11:30."""
    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    sales.confirm_order(order, admin)
    result = scheduling.schedule(company, admin, day=TODAY)
    top = ManufacturingOrder.objects.get(product=shop.products["top"])
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    assert result.orders == 3
    assert local(top.planned_start) == datetime.datetime(2026, 12, 22, 13)
    assert local(top.planned_finish) == datetime.datetime(2026, 12, 24, 8, 30)
    assert local(table.planned_start) == datetime.datetime(2026, 12, 28, 8)
    assert local(table.planned_finish) == datetime.datetime(2026, 12, 28, 11)


def test_a_sub_assembly_is_done_before_its_order_starts_even_with_its_components_there(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """With the legs received meanwhile, the tables wait only for their top: assembly from 8:30
    on Thursday 24th, when the top's sanding ends, to 11:30."""
    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    sales.confirm_order(order, admin)
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    inventory.import_opening_stock(
        company,
        admin,
        [inventory.OpeningLine(shop.products["leg"], shop.warehouse.stock_location, "16", unit_cost="5")],
    )
    manufacturing.reserve_components(table, admin)
    scheduling.schedule(company, admin, day=TODAY)
    table.refresh_from_db()
    assert local(table.planned_start) == datetime.datetime(2026, 12, 24, 8, 30)
    assert local(table.planned_finish) == datetime.datetime(2026, 12, 24, 11, 30)


def test_bought_components_free_or_coming_are_shared_in_due_date_order(
    company: Company, admin: User, shop: Shop
) -> None:
    """Two orders of 4 tables lack 16 legs each, due on the 28th and the 30th; 16 legs come on
    the 23rd. The first takes them; none are left for the second, which waits for the supplier's
    3 days (the 25th) — each saw the whole receipt before. With 16 legs on the shelf, not
    reserved, the first has its legs today and the second takes the receipt."""

    def table(due: datetime.date) -> ManufacturingOrder:
        order = manufacturing.create_order(
            company, admin, product=shop.products["table"], quantity="4", due_date=due
        )
        return manufacturing.confirm_order(order, admin)

    later, first = table(datetime.date(2026, 12, 30)), table(CHRISTMAS_MONDAY)
    inventory.create_receipt(
        company,
        shop.supplier,
        [inventory.MoveSpec(shop.products["leg"], "16", expected_date=datetime.date(2026, 12, 23))],
        warehouse=shop.warehouse,
        scheduled_date=datetime.date(2026, 12, 23),
        actor=admin,
    )
    ready = scheduling.components_ready(company, TODAY)
    assert {pk: local(at) for pk, at in ready.items()} == {
        first.pk: datetime.datetime(2026, 12, 23),
        later.pk: datetime.datetime(2026, 12, 25),
    }
    inventory.import_opening_stock(
        company,
        admin,
        [inventory.OpeningLine(shop.products["leg"], shop.warehouse.stock_location, "16", unit_cost="5")],  # type: ignore[arg-type]
    )
    ready = scheduling.components_ready(company, TODAY)
    assert {pk: local(at) for pk, at in ready.items()} == {later.pk: datetime.datetime(2026, 12, 23)}


def local(moment: datetime.datetime | None) -> datetime.datetime:
    assert moment is not None
    return timezone.localtime(moment).replace(tzinfo=None)


def test_the_order_and_the_customer_card_show_the_manufacturing_order(
    company: Company, admin: User, shop: Shop, customer: Partner, salesperson: User
) -> None:
    customer.owner = salesperson
    customer.save(update_fields=["owner"])
    order = quotation(company, salesperson, customer, (shop.products["table"], "1"), order_date=TODAY)
    sales.confirm_order(order, admin)
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    page = signed_in(admin).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-made-to-order"' in page and table.get_absolute_url() in page
    # a salesperson sees which order makes it, not a link to the shop floor's records
    seller = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert table.number in seller and table.get_absolute_url() not in seller
    card = signed_in(admin).get(reverse("partners:detail", args=[customer.pk])).content.decode()
    assert table.number in card


def test_a_product_not_made_to_order_is_still_bought(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    order = quotation(company, admin, customer, (shop.products["leg"], "2"), order_date=TODAY)
    sales.confirm_order(order, admin)
    assert PurchaseRequest.objects.get(product=shop.products["leg"]).quantity == 2
    assert not ManufacturingOrder.objects.filter(source="sales").exists()


def test_a_product_made_to_stock_is_left_to_the_mrp_run_never_bought(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """Table tops have a bill of materials and are not made to order: a sale short of them asks
    purchasing for nothing; the next MRP run plans to make them for it."""
    top = shop.products["top"]
    order = quotation(company, admin, customer, (top, "3"), order_date=TODAY)
    sales.confirm_order(order, admin)
    assert not PurchaseRequest.objects.filter(product=top).exists()
    assert not ManufacturingOrder.objects.filter(product=top).exists()
    run = mrp_services.run_mrp(mrp_services.start_mrp_run(company, admin), today=TODAY)
    planned = PlannedOrder.objects.get(run=run, product=top)
    assert (planned.kind, planned.quantity) == (PlannedOrder.Kind.MAKE, 3)


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_answers_the_date_and_the_reasoning(shop: Shop, planner: User) -> None:
    url = "/api/v1/planning/capable-to-promise/"
    response = api_client(planner).get(url, {"product": shop.products["table"].pk, "quantity": "4"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["date"] == "2026-12-28"
    assert [(s["sku"], s["bound"]) for s in body["bounds"]] == [("TBL", "components"), ("LEG", "lead_time")]
    assert body["steps"][0]["supply"] == "production" and body["steps"][0]["component_of"] is None
    assert "3 days" in body["reason"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"quantity": "4"}, "product"), ({"quantity": "0"}, "quantity"), ({"quantity": "lots"}, "quantity")],
)
def test_the_api_refuses_bad_input(shop: Shop, planner: User, query: dict[str, str], field: str) -> None:
    if field != "product":
        query = {**query, "product": str(shop.products["table"].pk)}
    client = api_client(planner)
    before = Event.objects.count()
    assert_problem(client.get("/api/v1/planning/capable-to-promise/", query), 400, field)
    assert Event.objects.count() == before


def test_the_api_keeps_to_the_company_and_the_roles(
    shop: Shop, salesperson: User, make_user: Callable[..., User], other_company: Company
) -> None:
    url = "/api/v1/planning/capable-to-promise/"
    query = {"product": shop.products["table"].pk, "quantity": "1"}
    assert api_client(salesperson).get(url, query).status_code == 403  # no BOMs for a salesperson
    stranger = make_user("stranger", roles.PRODUCTION_PLANNER, company=other_company)
    assert_problem(api_client(stranger).get(url, query), 400, "product")  # another company's product
    assert api_client(None).get(url, query).status_code in (401, 403)


def test_the_capacity_api_shows_the_load_and_schedules(shop: Shop, planner: User, salesperson: User) -> None:
    client = api_client(planner)
    rows = client.get("/api/v1/planning/capacity/", {"start": "2026-12-22", "days": "3"}).json()
    saw = next(row for row in rows if row["code"] == "SAW")
    assert [(d["day"], d["load"], d["over"]) for d in saw["days"]] == [
        ("2026-12-22", "5.00", False), ("2026-12-23", "0.00", False), ("2026-12-24", "0.00", False),
    ]  # fmt: skip
    answer = client.post("/api/v1/planning/capacity/schedule/")
    assert answer.status_code == 200 and answer.json() == {"orders": 1, "work_orders": 1, "late": []}
    assert api_client(salesperson).post("/api/v1/planning/capacity/schedule/").status_code == 403
    assert_problem(client.get("/api/v1/planning/capacity/", {"days": "0"}), 400, "days")


# --- the capacity page -------------------------------------------------------------------------------


def test_the_capacity_page_highlights_overloads_and_schedules(
    company: Company, admin: User, shop: Shop, planner: User
) -> None:
    from tandem.manufacturing import services as manufacturing

    manufacturing.confirm_order(
        manufacturing.create_order(
            company, admin, product=shop.products["top"], quantity="4", due_date=TODAY
        ),
        admin,
    )
    client = signed_in(planner)
    page = client.get(reverse("planning:capacity"), {"days": "5"})
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("overload") >= 1 and "11.50" in text
    done = client.post(reverse("planning:schedule"))
    assert done.status_code == 302
    assert "11.50" not in client.get(reverse("planning:capacity"), {"days": "5"}).content.decode()
    assert client.get(reverse("planning:capacity"), {"days": "0"}).status_code == 400
    assert client.get(reverse("planning:capacity"), {"start": "22.12."}).status_code == 400


def test_the_capacity_page_is_for_production(
    shop: Shop, salesperson: User, make_user: Callable[..., User]
) -> None:
    assert signed_in(salesperson).get(reverse("planning:capacity")).status_code == 403
    worker = make_user("ivan", "production")
    assert signed_in(worker).get(reverse("planning:capacity")).status_code == 200
    assert signed_in(worker).post(reverse("planning:schedule")).status_code == 403


def test_orders_made_to_order_are_pegged_to_the_moves_they_are_made_for(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """4 tables sold: the tables' order is made for the sale's delivery and its top's for the
    tables' component move, each pegged for its 4 as MRP's orders are — "made for" on the order's
    page and in its API answer, as for an order MRP released."""
    from tandem.planning import queries as planning

    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    sales.confirm_order(order, admin)
    order.refresh_from_db()
    table = ManufacturingOrder.objects.get(product=shop.products["table"])
    top = ManufacturingOrder.objects.get(product=shop.products["top"])
    assert table.components is not None and order.delivery is not None
    delivery = Move.objects.get(transfer=order.delivery, product=shop.products["table"])
    component = table.components.moves.get(product=shop.products["top"])
    for made, move in ((table, delivery), (top, component)):
        found = planning.pegging(made)
        assert found is not None and found.free == 0
        assert [(p.demand_move_id, p.quantity) for p in found.pegs] == [(move.pk, 4)]
    page = signed_in(admin).get(reverse("manufacturing:order_detail", args=[table.pk])).content.decode()
    assert 'id="pegging-demands"' in page and order.delivery.number in page
    shown = api_client(admin).get(f"/api/v1/manufacturing/orders/{top.pk}/").json()
    assert [(row["demand_move"], row["transfer"]) for row in shown["made_for"]] == [
        (component.pk, table.components.pk)
    ]
    by_hand = manufacturing.create_order(
        company, admin, product=shop.products["top"], quantity="2", warehouse=shop.warehouse
    )
    assert planning.pegging(by_hand) is None  # made for no demand


def test_orders_made_to_order_before_pegs_are_pegged_by_migration(
    company: Company, admin: User, shop: Shop, customer: Partner
) -> None:
    """Orders made to order before they were pegged get the move they were made for (migration
    0011), for their whole quantity; an order MRP released is left to its planned order's pegs."""
    import importlib

    from django.apps import apps

    from tandem.planning.models import Peg

    order = quotation(company, admin, customer, (shop.products["table"], "4"), order_date=TODAY)
    sales.confirm_order(order, admin)
    made = {o.pk: o.demand_move_id for o in ManufacturingOrder.objects.filter(source="sales")}
    assert len(made) == 2 and all(made.values())
    Peg.objects.all().delete()
    migration = importlib.import_module("tandem.planning.migrations.0011_pegs_of_made_to_order")
    migration.peg_made_to_order(apps, None)
    migration.peg_made_to_order(apps, None)  # once only
    pegs = Peg.objects.values_list("manufacturing_order_id", "demand_move_id", "quantity")
    assert sorted(pegs) == sorted((pk, move, 4) for pk, move in made.items())
