"""MRP's pages and API: forecasts and lot sizing through the kit's declared cases, runs started as
jobs, planned orders firmed and released (into manufacturing orders and RFQs), who may do what."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.jobs import services as jobs
from tandem.core.models import Company, Event, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.manufacturing.models import ManufacturingOrder
from tandem.partners.services import create_partner
from tandem.planning import mrp_services, scheduling
from tandem.planning.models import Forecast, MrpRun, PlannedOrder, ProductPlanning
from tandem.purchasing import services as purchasing
from tandem.purchasing.models import PurchaseRequest
from tandem.sales import queries as sales_queries
from tests.kit.api import ApiAction, ApiCases, api_client
from tests.kit.query_counts import PinnedQueries
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases
from tests.planning import chair_shop
from tests.planning.chair_shop import TODAY, Shop, day
from tests.web.support import signed_in

_numbers = itertools.count(1)
D = Decimal


def _product(company: Company, actor: User | None, name: str | None = None) -> Product:
    number = next(_numbers)
    return create_product(
        company, actor, name=name or f"Stool {number}", sku=f"MS-{number}", uom=Uom.objects.get(code="pcs")
    )


def _warehouse(company: Company, actor: User | None) -> Warehouse:
    """The company's first warehouse (made when it has none): where a forecast goes by default."""
    found = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
    return found or inventory.create_warehouse(company, actor, name="Stools", code="ST")


def _forecast(company: Company, actor: User | None, **fields: Any) -> Forecast:
    _warehouse(company, actor)
    product = fields.pop("product", None)
    if product is None or isinstance(product, str):
        product = _product(company, actor, product)
    fields.setdefault("month", "2027-03")
    fields.setdefault("quantity", "12")
    return mrp_services.create_forecast(company, actor, product=product, **fields)


def _lot(company: Company, actor: User | None, **fields: Any) -> ProductPlanning:
    product = fields.pop("product", None)
    if product is None or isinstance(product, str):
        product = _product(company, actor, product)
    fields.setdefault("policy", "multiple")
    fields.setdefault("lot_quantity", "10")
    return mrp_services.create_product_planning(company, actor, product=product, **fields)


class TestForecastPages(ViewCases):
    model = Forecast
    namespace = "planning"
    url_prefix = "forecast_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    name_field = "product"
    create_data = {"month": "2027-04", "quantity": "30"}
    edit_changes = {"quantity": D(40)}
    stale_changes = {"quantity": D(50)}
    bad_input = [({"quantity": "0"}, "quantity"), ({"month": "April"}, "month")]

    def name_of(self, obj: Any) -> str:
        return str(obj.product)

    def make(self, company: Company, actor: User | None, **fields: Any) -> Forecast:
        return _forecast(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)
        _warehouse(kit.company, kit.editor)  # where a forecast goes when it names none

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "product": str(kit.extra["product"].pk)}

    def test_the_form_puts_a_forecast_in_the_warehouse_chosen_and_the_list_filters_by_it(
        self, kit: Kit
    ) -> None:
        _warehouse(kit.company, kit.editor)
        south = inventory.create_warehouse(kit.company, kit.editor, name="South depot", code="SD")
        client = signed_in(kit.editor)
        response = client.post(self.url("create"), {**self.create_form(kit), "warehouse": str(south.pk)})
        assert response.status_code == 302, response.content
        made = Forecast.objects.get(company=kit.company, product=kit.extra["product"])
        assert made.warehouse == south
        elsewhere = kit.make()  # in the first warehouse
        page = client.get(self.url("list"), {"warehouse": south.pk}).content.decode()
        assert "South depot" in page and str(made.product) in page and str(elsewhere.product) not in page
        assert "South depot" in client.get(self.url("detail", made)).content.decode()


class TestLotSizingPages(ViewCases):
    model = ProductPlanning
    namespace = "planning"
    url_prefix = "lot_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    name_field = "product"
    create_data = {"policy": "minimum", "lot_quantity": "25", "safety_stock": "3"}
    edit_changes = {"lot_quantity": D(30)}
    stale_changes = {"lot_quantity": D(35)}
    bad_input = [({"policy": "multiple", "lot_quantity": "0"}, "lot_quantity")]

    def name_of(self, obj: Any) -> str:
        return str(obj.product)

    def make(self, company: Company, actor: User | None, **fields: Any) -> ProductPlanning:
        return _lot(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "product": str(kit.extra["product"].pk)}


class TestForecastApi(ApiCases):
    model = Forecast
    collection = "/api/v1/planning/forecasts/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    name_field = "product"
    create_body = {"month": "2027-05-01", "quantity": "8"}
    update_body = {"quantity": "9.0000"}
    stale_body = {"quantity": "10.0000"}
    bad_bodies = [({"quantity": "-1"}, "quantity")]
    archives = False

    def name_of(self, obj: Any) -> str:
        return str(obj.product.pk)

    make = TestForecastPages.make

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)
        _warehouse(kit.company, kit.editor)  # where a forecast goes when it names none

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_payload(kit), "product": kit.extra["product"].pk}

    def test_export_holds_only_the_visible_records_and_no_live_formula(self, kit: Kit) -> None:
        """A forecast holds no free text (the kit's formula payloads have nowhere to go): only the rows."""
        mine, foreign = kit.make(), kit.make_elsewhere()
        response = api_client(kit.editor).get(f"{self.collection}export/")
        lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
        assert [line.split(",")[0] for line in lines[1:]] == [str(mine.pk)] and foreign.pk != mine.pk

    def test_delete_removes_the_forecast(self, kit: Kit) -> None:
        obj = kit.make()
        assert api_client(kit.editor).delete(self.detail(obj)).status_code == 204
        assert not Forecast.objects.filter(pk=obj.pk).exists()

    def test_a_forecast_names_its_warehouse_and_is_filtered_by_it(self, kit: Kit) -> None:
        first = _warehouse(kit.company, kit.editor)
        second = inventory.create_warehouse(kit.company, kit.editor, name="South", code="SO")
        client = api_client(kit.editor)
        body = {"product": kit.extra["product"].pk, "month": "2027-05-01", "quantity": "8"}
        made = client.post(self.collection, {**body, "warehouse": second.pk}, format="json")
        assert made.status_code == 201, made.content
        assert made.json()["warehouse"] == second.pk
        default = client.post(self.collection, body, format="json")  # the same month, the first warehouse
        assert default.status_code == 201 and default.json()["warehouse"] == first.pk
        again = client.post(self.collection, {**body, "warehouse": second.pk}, format="json")
        assert again.status_code == 400 and Forecast.objects.filter(company=kit.company).count() == 2
        listed = client.get(self.collection, {"warehouse": second.pk}).json()["results"]
        assert [row["id"] for row in listed] == [made.json()["id"]]
        elsewhere = inventory.create_warehouse(kit.other_company, None, name="Away", code="AW")
        foreign = client.post(
            self.collection, {**body, "month": "2027-06-01", "warehouse": elsewhere.pk}, format="json"
        )
        assert foreign.status_code == 400 and "warehouse" in str(foreign.content)


def _run(company: Company, actor: User | None, **fields: Any) -> MrpRun:
    """A finished run, started as the button starts one (its job is run here, on the tests' today)."""
    run = mrp_services.start_mrp_run(company, actor, **fields)
    return mrp_services.run_mrp(run, today=TODAY)


def _planned(company: Company, actor: User | None, **fields: Any) -> PlannedOrder:
    """A proposal of the company's newest run: a bought stool forecast for February (the run
    plans every earlier stool again; their proposals of the earlier runs are superseded)."""
    _warehouse(company, actor)
    product = _product(company, actor, fields.pop("product", None))
    supplier = create_partner(company, actor, name=f"{product.name} Co", is_supplier=True, is_customer=False)
    purchasing.create_supplier_price(
        company, actor, partner=supplier, product=product, price="3.00", lead_time_days=5
    )
    mrp_services.create_forecast(company, actor, product=product, month="2027-02", quantity="12")
    return _run(company, actor).orders.get(product=product)


class TestMrpRunPages(ViewCases):
    """The runs' list and a run's page (its exceptions and planned orders, the bulk buttons)."""

    model = MrpRun
    namespace = "planning"
    url_prefix = "mrp_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    creatable = editable = exportable = False
    edit_changes: dict[str, Any] = {}
    actions = [
        Action("planning:mrp_firm", lambda kit, run: {}, event=None),
        Action("planning:mrp_release", lambda kit, run: {}, event=None),
    ]

    def name_of(self, obj: Any) -> str:
        return str(obj)

    def make(self, company: Company, actor: User | None, **fields: Any) -> MrpRun:
        return _run(company, actor)


class TestPlannedOrderPages(ViewCases):
    """The planned orders' list (the newest proposals first of all) and a planned order's page
    with its firm, release and cancel buttons."""

    model = PlannedOrder
    namespace = "planning"
    url_prefix = "planned_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    name_field = "product"
    creatable = editable = False
    edit_changes: dict[str, Any] = {}
    actions = [
        Action("planning:planned_firm", lambda kit, row: {}, event=None),
        Action("planning:planned_release", lambda kit, row: {}, event=None),
        Action("planning:planned_cancel", lambda kit, row: {}, event=None),
    ]

    def name_of(self, obj: Any) -> str:
        return str(obj.product)

    def make(self, company: Company, actor: User | None, **fields: Any) -> PlannedOrder:
        return _planned(company, actor, **fields)


class TestMrpRunApi(ApiCases):
    model = MrpRun
    collection = "/api/v1/planning/mrp-runs/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.PURCHASER
    create_body = {"horizon_days": 30}
    update_body: dict[str, Any] = {}
    bad_bodies = [({"horizon_days": 0}, "horizon_days"), ({"horizon_days": 731}, "horizon_days")]
    updatable = archives = exportable = False
    actions = [
        ApiAction("planned-orders", lambda kit, run: {}, method="get"),
        ApiAction("exceptions", lambda kit, run: {}, method="get"),
        ApiAction("release", lambda kit, run: {}),
    ]

    make = TestMrpRunPages.make


def test_a_runs_page_and_its_api_lists_run_the_same_queries_whatever_it_proposes(
    company: Company, make_user: Any, pinned_queries: PinnedQueries
) -> None:
    """A run's page and its API lists of planned orders and exceptions do not query per row."""
    planner = make_user("pia", roles.PRODUCTION_PLANNER)
    _planned(company, planner)
    few = MrpRun.objects.latest("id")
    for _ in range(3):
        _planned(company, planner)
    many = MrpRun.objects.latest("id")
    assert few.orders.count() == 1 and many.orders.count() == 4
    client, api = signed_in(planner), api_client(planner)
    for run in (few, many):
        pinned_queries.check(
            "planning:mrp_detail:rows",
            lambda run=run: client.get(reverse("planning:mrp_detail", args=[run.pk])),
        )
        for path in ("planned-orders", "exceptions"):
            url = f"/api/v1/planning/mrp-runs/{run.pk}/{path}/"
            assert api.get(url).status_code == 200
            pinned_queries.check(
                f"api:/api/v1/planning/mrp-runs/{{id}}/{path}/", lambda url=url: api.get(url)
            )


# --- runs, release and permissions ------------------------------------------------------------------


@pytest.fixture
def shop(company: Company, admin: User) -> Shop:
    return chair_shop.build(company, admin)


@pytest.fixture
def planner(make_user: Any) -> User:
    return make_user("pia", roles.PRODUCTION_PLANNER)


@pytest.mark.django_db
def test_the_button_starts_a_run_as_a_job_and_its_page_lists_what_it_proposes(
    shop: Shop, planner: User, warehouse: User
) -> None:
    shop.deliver("chair", "10", day(20))
    assert signed_in(warehouse).post(reverse("planning:mrp_start")).status_code == 403
    response = signed_in(planner).post(reverse("planning:mrp_start"), {"horizon_days": "60"})
    run = MrpRun.objects.get()
    assert response.status_code == 302 and run.state == MrpRun.State.RUNNING and run.horizon_days == 60
    jobs.run(run.job_id)  # type: ignore[arg-type]
    run.refresh_from_db()
    assert run.state == MrpRun.State.DONE and run.planned_orders > 0
    page = signed_in(planner).get(reverse("planning:mrp_detail", args=[run.pk]))
    assert page.status_code == 200 and b"CHAIR" in page.content
    assert signed_in(planner).get(reverse("planning:mrp_list")).status_code == 200
    listed = signed_in(planner).get(reverse("planning:planned_list"), {"run": run.pk})
    assert listed.status_code == 200 and b"SEAT" in listed.content


@pytest.mark.django_db
def test_release_makes_confirmed_orders_and_rfqs(shop: Shop, admin: User) -> None:
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    found = mrp_services.release_orders(shop.company, admin, list(run.orders.all()))
    made = ManufacturingOrder.objects.filter(source=ManufacturingOrder.Source.MRP)
    assert sorted(made.values_list("product__sku", "quantity", "state")) == [
        ("CHAIR", D(8), "confirmed"),
        ("SEAT", D(8), "confirmed"),
    ]
    requests = PurchaseRequest.objects.order_by("product__sku")
    assert [(r.product.sku, r.quantity, r.partner_id, r.state) for r in requests] == [
        ("LEG", D(50), shop.suppliers["leg"].pk, "ordered"),
        ("PLANK", D(20), shop.suppliers["plank"].pk, "ordered"),
    ]
    assert len(found.rfqs) == 2 and {o.state for o in found.rfqs} == {"draft"}
    assert set(run.orders.values_list("state", flat=True)) == {PlannedOrder.State.RELEASED}
    chair = run.orders.get(product__sku="CHAIR")
    assert chair.manufacturing_order is not None and chair.manufacturing_order.due_date == day(20)
    # released supply counts in the next run: nothing more is proposed
    assert shop.run().planned_orders == 0


@pytest.mark.django_db
def test_a_released_order_is_made_for_the_demand_it_was_planned_for(shop: Shop, admin: User) -> None:
    """The chairs are planned for the one delivery that wants them: released, their order is made
    for its move, so the sale sees it as it sees an order made to order. The seats were wanted
    by the chairs' planned order, no move yet; the next run plans them for the released chairs'
    component move, and released they are made for it: the schedule makes them first."""
    delivery = shop.deliver("chair", "10", day(20))
    move = delivery.moves.get()
    run = shop.run()
    chair = run.orders.get(product__sku="CHAIR")
    assert chair.demand_move == move and run.orders.get(product__sku="SEAT").demand_move is None
    mrp_services.release_orders(shop.company, admin, [chair])
    made = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert made.demand_move == move and made.source == ManufacturingOrder.Source.MRP
    assert sales_queries.made_to_order([delivery]) == [made]
    seat = shop.run().orders.get(product__sku="SEAT")
    assert made.components is not None
    assert seat.demand_move == made.components.moves.get(product__sku="SEAT")
    mrp_services.release_orders(shop.company, admin, [seat])
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    assert seats.demand_move == seat.demand_move
    scheduling.schedule(shop.company, day=TODAY)
    made.refresh_from_db()
    seats.refresh_from_db()
    assert seats.planned_finish is not None and made.planned_start is not None
    assert seats.planned_finish <= made.planned_start


@pytest.mark.django_db
def test_a_sub_assembly_released_with_its_parent_is_made_for_the_parents_component_move(
    shop: Shop, admin: User
) -> None:
    """The seats are planned for the chairs' planned order (no move yet): released in the same
    batch — listed first, as they are due first — their order is made for the chairs' order's
    seat component move once that order is confirmed."""
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    chair, seat = run.orders.get(product__sku="CHAIR"), run.orders.get(product__sku="SEAT")
    assert seat.parent == chair and seat.demand_move is None and chair.parent is None
    mrp_services.release_orders(shop.company, admin, [seat, chair])
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    assert chairs.components is not None
    assert seats.demand_move == chairs.components.moves.get(product__sku="SEAT")


@pytest.mark.django_db
def test_a_sub_assembly_released_after_its_parent_is_made_for_the_parents_component_move(
    shop: Shop, admin: User
) -> None:
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    mrp_services.release_orders(shop.company, admin, [run.orders.get(product__sku="CHAIR")])
    mrp_services.release_orders(shop.company, admin, [run.orders.get(product__sku="SEAT")])
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    assert chairs.components is not None
    assert seats.demand_move == chairs.components.moves.get(product__sku="SEAT")


@pytest.mark.django_db
def test_a_released_purchase_request_records_the_move_it_is_bought_for(shop: Shop, admin: User) -> None:
    """The legs are bought for the chairs' planned order and the planks for the seats': released
    with them, each request is for its order's component move, shown on the request's page; the
    planks released after the seats are too. Legs sold as such are bought for their delivery."""
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    chair, leg = run.orders.get(product__sku="CHAIR"), run.orders.get(product__sku="LEG")
    seat, plank = run.orders.get(product__sku="SEAT"), run.orders.get(product__sku="PLANK")
    assert leg.parent == chair and plank.parent == seat
    mrp_services.release_orders(shop.company, admin, [chair, leg, seat])
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert chairs.components is not None
    legs = PurchaseRequest.objects.get(product__sku="LEG")
    assert legs.demand_move == chairs.components.moves.get(product__sku="LEG")
    page = signed_in(admin).get(reverse("purchasing:request_detail", args=[legs.pk]))
    assert page.status_code == 200 and chairs.components.number.encode() in page.content
    shown = api_client(admin).get(f"/api/v1/purchasing/requests/{legs.pk}/").json()
    assert shown["bought_for"] == chairs.components.pk and shown["order_by"] == leg.start_date.isoformat()
    mrp_services.release_orders(shop.company, admin, [plank])
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    assert seats.components is not None
    planks = PurchaseRequest.objects.get(product__sku="PLANK")
    assert planks.demand_move == seats.components.moves.get(product__sku="PLANK")
    assert planks.order_line is not None  # on its RFQ as before, which says what it is for
    rfq = signed_in(admin).get(reverse("purchasing:order_detail", args=[planks.order_line.order_id]))
    bought = rfq.content.decode().split("data-bought-for>", 1)[1].split("</div>", 1)[0]
    assert seats.components.number in bought
    [(_status, why)] = rfq.context["rows"]
    assert [number for _url, number, _quantity in why.demands] == [seats.components.number]
    assert why.order_by == plank.start_date

    delivery = shop.deliver("leg", "60", day(30))
    sold = shop.run().orders.get(product__sku="LEG")
    assert sold.demand_move == delivery.moves.get()
    mrp_services.release_orders(shop.company, admin, [sold])
    bought = PurchaseRequest.objects.exclude(pk=legs.pk).get(product__sku="LEG")
    assert bought.demand_move == delivery.moves.get()


@pytest.mark.django_db
def test_release_keeps_the_dates_mrp_planned(shop: Shop, admin: User) -> None:
    """The chairs are wanted on day 20 and the planks ten days before the seats start: released,
    the orders start on MRP's start day, not today, and their work is booked on the work centres
    from then on: each work order has its hours, one after the other, the seats' done before the
    chairs' begin, and the chairs finish by the day they are due."""
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    chair, plank = run.orders.get(product__sku="CHAIR"), run.orders.get(product__sku="PLANK")
    assert TODAY < chair.start_date < chair.due_date == day(20)
    assert TODAY < plank.start_date < plank.due_date
    mrp_services.release_orders(shop.company, admin, list(run.orders.all()))
    chairs = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert chairs.due_date == day(20)
    assert chairs.planned_start is not None and chairs.planned_finish is not None
    assert timezone.localtime(chairs.planned_start).date() == chair.start_date
    assert timezone.localtime(chairs.planned_finish).date() <= chair.due_date
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    assert seats.planned_finish is not None and seats.planned_finish <= chairs.planned_start
    for order in (seats, chairs):
        work = list(order.work_orders.order_by("sequence", "id"))
        assert work and all(w.planned_start is not None and w.planned_finish is not None for w in work)
        assert (work[0].planned_start, work[-1].planned_finish) == (order.planned_start, order.planned_finish)
        assert all(a.planned_finish <= b.planned_start for a, b in itertools.pairwise(work))
    planks = PurchaseRequest.objects.get(product__sku="PLANK")
    assert (planks.order_by, planks.needed_by) == (plank.start_date, plank.due_date)
    page = signed_in(admin).get(reverse("purchasing:request_detail", args=[planks.pk]))
    assert page.status_code == 200 and b"Order by" in page.content


@pytest.mark.django_db
def test_a_planned_order_for_two_demands_is_made_for_neither(shop: Shop, admin: User) -> None:
    shop.deliver("chair", "6", day(20))
    shop.deliver("chair", "4", day(20))
    chair = shop.run().orders.get(product__sku="CHAIR")
    assert chair.quantity == D(8) and chair.demand_move is None
    mrp_services.release_orders(shop.company, admin, [chair])
    assert ManufacturingOrder.objects.get().demand_move is None


@pytest.mark.django_db
def test_a_released_order_is_not_released_twice_and_nothing_is_written(shop: Shop, admin: User) -> None:
    shop.deliver("chair", "10", day(20))
    run = shop.run()
    chair = run.orders.get(product__sku="CHAIR")
    mrp_services.release_orders(shop.company, admin, [chair])
    with pytest.raises(ValidationFailed):
        mrp_services.release_orders(shop.company, admin, list(run.orders.all()))
    assert ManufacturingOrder.objects.count() == 1 and not PurchaseRequest.objects.exists()


@pytest.mark.django_db
def test_the_api_starts_a_run_reads_it_and_releases(shop: Shop, planner: User, purchaser: User) -> None:
    shop.deliver("chair", "10", day(20))
    assert api_client(purchaser).post("/api/v1/planning/mrp-runs/", {}, format="json").status_code == 403
    bad = api_client(planner).post("/api/v1/planning/mrp-runs/", {"horizon_days": 0}, format="json")
    assert bad.status_code == 400 and not MrpRun.objects.exists()
    answer = api_client(planner).post("/api/v1/planning/mrp-runs/", {"horizon_days": 90}, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["state"] == "running"
    run = MrpRun.objects.get()
    jobs.run(run.job_id)  # type: ignore[arg-type]
    status = api_client(purchaser).get(f"/api/v1/planning/mrp-runs/{run.pk}/").json()
    assert status["state"] == "done" and status["planned_orders"] == 4
    listed = api_client(purchaser).get(f"/api/v1/planning/mrp-runs/{run.pk}/planned-orders/")
    assert listed.status_code == 200 and len(listed.json()["results"]) == 4
    refused = api_client(purchaser).post(f"/api/v1/planning/mrp-runs/{run.pk}/release/", {}, format="json")
    assert refused.status_code == 403 and not ManufacturingOrder.objects.exists()
    chair = run.orders.get(product__sku="CHAIR")
    released = api_client(planner).post(
        f"/api/v1/planning/mrp-runs/{run.pk}/release/", {"orders": [chair.pk]}, format="json"
    )
    assert released.status_code == 200, released.content
    assert released.json()["orders"] == 1 and len(released.json()["manufacturing_orders"]) == 1
    everything = api_client(planner).post(f"/api/v1/planning/mrp-runs/{run.pk}/release/", {}, format="json")
    assert everything.json()["orders"] == 3 and len(everything.json()["requests"]) == 2
    assert everything.json()["rfqs"] == []  # a planner asks; the purchaser makes the RFQs


@pytest.mark.django_db
def test_a_new_run_supersedes_the_proposals_of_earlier_runs_and_keeps_firm_and_released_ones(
    shop: Shop, admin: User, planner: User
) -> None:
    shop.deliver("chair", "10", day(20))
    first = shop.run()
    chair, leg = first.orders.get(product__sku="CHAIR"), first.orders.get(product__sku="LEG")
    mrp_services.firm_orders(shop.company, admin, [chair])
    mrp_services.release_orders(shop.company, admin, [leg], rfqs=False)
    second = shop.run()
    assert dict(first.orders.values_list("product__sku", "state")) == {
        "CHAIR": PlannedOrder.State.FIRM,
        "LEG": PlannedOrder.State.RELEASED,
        "SEAT": PlannedOrder.State.SUPERSEDED,
        "PLANK": PlannedOrder.State.SUPERSEDED,
    }
    # the firm chair and the released legs are supply: the new run proposes the seat and plank again
    assert sorted(second.orders.values_list("product__sku", "quantity", "state")) == [
        ("PLANK", D(20), PlannedOrder.State.PROPOSED),
        ("SEAT", D(8), PlannedOrder.State.PROPOSED),
    ]
    done = Event.objects.filter(name="mrprun.done", subject_id=str(second.pk)).get()
    assert done.data["superseded"] == 2
    # the planner's list (proposals by default) holds the newest run's only
    page = signed_in(planner).get(reverse("planning:planned_list"))
    listed = {row.pk for row, _cells in page.context["rows"]}
    assert listed == set(second.orders.values_list("pk", flat=True))
    # a superseded proposal is not firmed, released or cancelled: refused, nothing written
    seat = first.orders.get(product__sku="SEAT")
    for change in (mrp_services.firm_orders, mrp_services.release_orders, mrp_services.cancel_orders):
        with pytest.raises(ValidationFailed, match="Superseded"):
            change(shop.company, admin, [seat])  # type: ignore[operator]
    seat.refresh_from_db()
    assert (
        seat.state == PlannedOrder.State.SUPERSEDED
        and not ManufacturingOrder.objects.filter(product__sku="SEAT").exists()
    )
    # a third run supersedes the second's proposals; the first run's firm and released stay
    third = shop.run()
    assert set(second.orders.values_list("state", flat=True)) == {PlannedOrder.State.SUPERSEDED}
    assert third.orders.filter(state=PlannedOrder.State.PROPOSED).count() == 2
    assert first.orders.filter(state__in=[PlannedOrder.State.FIRM, PlannedOrder.State.RELEASED]).count() == 2
    # the bulk buttons show where they have something to do: the first run still releases its
    # firm chair, the second has nothing left, the third has all to firm and release
    buttons = {
        run: set(
            re.findall(
                r'data-action="(firm|release)"',
                signed_in(planner).get(run.get_absolute_url()).content.decode(),
            )
        )
        for run in (first, second, third)
    }
    assert buttons == {first: {"release"}, second: set(), third: {"firm", "release"}}


@pytest.mark.django_db
def test_superseding_is_a_declared_move_of_proposals_only(company: Company) -> None:
    from tandem.core.states import transition_rows

    with pytest.raises(ValueError, match="one document at a time"):
        transition_rows(MrpRun.objects.all(), "done")
    assert transition_rows(PlannedOrder.objects.all(), "superseded") == 0
