"""A planner's week: Pia enters the month's forecast of chairs (and of footstools, which the shop
can neither make nor buy yet), a sales order for ten chairs is confirmed, and her MRP run
proposes, level by level with their lead times, the chairs and seats to make and the legs and
planks to buy. She reads the exceptions, firms the makes and releases the chairs and legs in
one go: the chairs become a confirmed manufacturing order, the legs a purchase request that
Piotr turns into an RFQ. Her next run supersedes the proposals she did not firm and proposes
only what is still missing — ending with every ledger invariant (the ``invariants`` fixture)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.accounting.services import charts
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.jobs import services as jobs
from tandem.core.models import Company, Event, Uom, User
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre
from tandem.planning import mrp_services
from tandem.planning.models import MrpRun, PlannedOrder
from tandem.purchasing.models import PurchaseOrder, PurchaseRequest
from tandem.sales import services as sales
from tests.kit.api import api_client
from tests.kit.views import signed_in
from tests.planning import chair_shop

pytestmark = pytest.mark.django_db
D = Decimal
P = PlannedOrder.State


def _month_after_next() -> datetime.date:
    """The first day of the month after next: 32 to 62 days ahead, inside a 90-day horizon."""
    today = timezone.localdate()
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return (first + datetime.timedelta(days=32)).replace(day=1)


def _run(planner: User) -> MrpRun:
    """Pia's button: the run is queued as a job, which the worker runs."""
    response = signed_in(planner).post(reverse("planning:mrp_start"), {"horizon_days": "90"})
    run = MrpRun.objects.latest("id")
    assert response.status_code == 302 and run.state == MrpRun.State.RUNNING
    jobs.run(run.job_id)  # type: ignore[arg-type]
    run.refresh_from_db()
    assert run.state == MrpRun.State.DONE
    return run


def _proposals(run: MrpRun) -> dict[str, tuple[str, Decimal, datetime.date, datetime.date, int]]:
    rows = run.orders.select_related("product")
    return {o.product.sku: (o.kind, o.quantity, o.start_date, o.due_date, o.level) for o in rows}


def test_a_forecast_and_an_order_are_planned_firmed_released_and_replanned(
    company: Company, admin: User, make_user: Callable[..., User]
) -> None:
    pia = make_user("pia", roles.PRODUCTION_PLANNER)
    piotr = make_user("piotr", roles.PURCHASER)
    charts.install_chart(company, admin, "ifrs")
    shop = chair_shop.build(company, admin, chairs="12")  # 12 chairs and 10 legs on the shelf
    # the bench works every day here, so the dates below hold whatever weekday the month begins on
    # (weekends and holidays are ``tests/planning/test_mrp.py``'s)
    WorkCentre.objects.filter(company=company, code="BENCH").update(working_days="1234567")
    p = shop.products
    footstool = create_product(company, admin, name="Footstool", sku="FOOT", uom=Uom.objects.get(code="pcs"))
    month = _month_after_next()

    def day(n: int) -> datetime.date:
        return month + datetime.timedelta(days=n)

    # Monday: Pia expects 15 chairs and 4 footstools to be sold in that month.
    mrp_services.create_forecast(company, pia, product=p["chair"], month=month.isoformat()[:7], quantity="15")
    mrp_services.create_forecast(company, pia, product=footstool, month=month.isoformat()[:7], quantity="4")

    # A café orders ten of the chairs for the 10th of the month: they are on the shelf, reserved.
    order = sales.create_order(
        company, admin, partner=shop.customer, promised_date=day(9),
        lines=[sales.OrderLineData(p["chair"], "10", price_unit="120", taxes=[])],
    )  # fmt: skip
    order = sales.confirm_order(order, admin)
    assert order.state == "confirmed" and not PurchaseRequest.objects.exists()

    # Pia's run: of the 15 forecast, 10 are ordered, so 5 more on the 1st and the 10 on the 10th;
    # 12 chairs on hand leave 3 to make. Each level starts when the one above needs it.
    first = _run(pia)
    assert _proposals(first) == {
        # (60 + 3 × 30) min is one 8-hour day before the order's date
        "CHAIR": ("make", D(3), day(8), day(9), 0),
        # 3 × 240 min is a day and a half: two days before the chairs start
        "SEAT": ("make", D(3), day(6), day(8), 1),
        # 12 legs when the chairs start, 10 on hand: 2, in a multiple of 50, 5 days' lead time
        "LEG": ("buy", D(50), day(3), day(8), 1),
        # 3 planks when the seats start, at least 20, 10 days' lead time
        "PLANK": ("buy", D(20), day(-4), day(6), 2),
        # no bill of materials, no supplier: proposed to buy on the 1st, and flagged
        "FOOT": ("buy", D(4), day(0), day(0), 0),
    }

    # She reads the exceptions on the run's page: the footstools have no source.
    page = signed_in(pia).get(reverse("planning:mrp_detail", args=[first.pk])).content.decode()
    assert "it has no bill of materials and no supplier" in page
    assert list(first.exception_rows.values_list("kind", "product__sku")) == [("no_source", "FOOT")]

    # She firms the makes, then releases the chairs and the legs in one request.
    chair, seat, leg = (first.orders.get(product__sku=sku) for sku in ("CHAIR", "SEAT", "LEG"))
    assert mrp_services.firm_orders(company, pia, [chair, seat]) == 2
    released = api_client(pia).post(
        f"/api/v1/planning/mrp-runs/{first.pk}/release/", {"orders": [chair.pk, leg.pk]}, format="json"
    )
    assert released.status_code == 200, released.content
    assert released.json()["orders"] == 2 and released.json()["rfqs"] == []  # a planner asks
    made = ManufacturingOrder.objects.get(source=ManufacturingOrder.Source.MRP)
    assert (made.product, made.quantity, made.due_date, made.state) == (p["chair"], D(3), day(9), "confirmed")
    # The chairs' work is on the work centres' board at once: each operation has its hours.
    work = list(made.work_orders.order_by("sequence"))
    assert work and all(w.planned_start and w.planned_finish for w in work)
    assert made.planned_finish is not None and timezone.localtime(made.planned_finish).date() <= day(9)
    request = PurchaseRequest.objects.get()
    assert (request.product, request.quantity, request.partner) == (p["leg"], D(50), shop.suppliers["leg"])

    # Piotr turns the open request into an RFQ to Leg Co, where purchasing's approvals apply.
    assert signed_in(piotr).post(reverse("purchasing:request_rfqs")).status_code == 302
    rfq = PurchaseOrder.objects.get()
    assert (rfq.partner, rfq.state) == (shop.suppliers["leg"], "draft")
    assert [(line.product, line.quantity) for line in rfq.lines.all()] == [(p["leg"], D(50))]
    request.refresh_from_db()
    assert request.state == "ordered"
    # The RFQ's line says what the legs are for: the chairs' components, all 50 less the 10 in stock
    # (MRP's pegs, carried to the chairs' component move when both were released).
    assert made.components is not None
    page = signed_in(piotr).get(reverse("purchasing:order_detail", args=[rfq.pk])).content.decode()
    bought = page.split("data-bought-for>", 1)[1].split("</div>", 1)[0]
    assert made.components.number in bought, bought

    # Thursday: her next run supersedes the proposals she did not firm (the planks, the footstools)
    # and keeps the firm seats and what was released; the planks for the seats are proposed again.
    second = _run(pia)
    assert dict(first.orders.values_list("product__sku", "state")) == {
        "CHAIR": P.RELEASED, "SEAT": P.FIRM, "LEG": P.RELEASED, "PLANK": P.SUPERSEDED, "FOOT": P.SUPERSEDED,
    }  # fmt: skip
    assert _proposals(second) == {
        "PLANK": ("buy", D(20), day(-4), day(6), 2),
        "FOOT": ("buy", D(4), day(0), day(0), 0),
    }
    done = Event.objects.get(name="mrprun.done", subject_id=str(second.pk))
    assert done.data["superseded"] == 2
    listed = signed_in(pia).get(reverse("planning:planned_list"))  # the proposals, by default
    assert {row.pk for row, _cells in listed.context["rows"]} == set(
        second.orders.values_list("pk", flat=True)
    )

    assert invariants.violations() == {}
