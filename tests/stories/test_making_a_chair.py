"""Making a chair: the planner orders ten chairs; their frames and seats are not in stock, so she
makes them first — the frames through cutting and joinery (a joint fails its strength test, is
redone and passes), the seats from foam of a known lot, a split board scrapped on the way — then
the chairs, numbered by lot, whose components' lots can be traced. Every unit enters stock at
its actual cost, and the day ends with every ledger invariant (the ``invariants`` fixture):
stock value equals the stock accounts, quants equal the moves."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.accounting.models import Account
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.inventory.models import Quant, ValuationLayer
from tandem.inventory.queries import valuation as stock_values
from tandem.manufacturing import queries, services
from tandem.manufacturing.models import ManufacturingOrder, QualityAlert
from tests.manufacturing.conftest import build_workshop
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
S = ManufacturingOrder.State


def _work(order: ManufacturingOrder, actor: User, minutes: dict[str, int], **checks: str) -> None:
    end = timezone.now() - datetime.timedelta(hours=1)
    for work_order in order.work_orders.order_by("sequence"):
        services.start_work_order(
            work_order, actor, when=end - datetime.timedelta(minutes=minutes[work_order.name])
        )
        for check in work_order.checks.select_related("point"):
            services.record_check(check, actor, measured=checks[check.point.title])
        services.finish_work_order(work_order, actor, when=end)


def test_ten_chairs_are_made_level_by_level_at_their_actual_cost(
    company: Company, admin: User, make_user: Callable[..., User]
) -> None:
    petra = make_user("petra", roles.PRODUCTION_PLANNER)
    marko = make_user("marko", "production")
    shop = build_workshop(company, admin, petra, lots=True)
    p = shop.products
    chair = p["chair"]
    join = shop.routings["frame"].operations.get(name="Join")
    services.create_quality_point(
        company, petra, title="Joint strength", product=p["frame"], operation=join,
        kind="measure", minimum="50", maximum="80", unit="N",
    )  # fmt: skip

    # The chairs wait for frames and seats: none in stock.
    chairs = services.confirm_order(
        services.create_order(company, petra, product=chair, quantity="10", lot_name="CH-0001"), petra
    )
    assert chairs.components.state == "waiting"  # type: ignore[union-attr]
    assert queries.roll_up(chair).unit_cost == Decimal("139.60")

    # Ten frames: a split board scrapped, a weak joint redone.
    frames = services.confirm_order(
        services.create_order(company, petra, product=p["frame"], quantity="10"), petra
    )
    services.scrap(frames, marko, product=p["oak"], quantity="2.5", reason="Split along the grain")
    cut, joining = frames.work_orders.order_by("sequence")
    services.start_work_order(cut, marko)
    services.finish_work_order(cut, marko)
    services.start_work_order(joining, marko)
    strength = joining.checks.get()
    services.record_check(strength, marko, measured="41")
    alert = QualityAlert.objects.get(order=frames)
    services.record_check(strength, marko, measured="66")
    services.finish_work_order(joining, marko)
    services.produce(frames, petra)
    services.finish_order(frames, petra)
    services.close_alert(alert, petra)

    # Ten seats in five batches of two, from foam lot FOAM-A.
    seats = services.confirm_order(
        services.create_order(company, petra, product=p["seat"], quantity="10"), petra
    )
    _work(seats, marko, {"Upholster": 95})
    services.produce(seats, petra)
    assert services.finish_order(seats, petra).state == S.DONE
    assert {(t.product.sku, t.lot_name) for t in queries.consumed_lots(seats)} == {("FOAM", "FOAM-A")}

    # Now the chairs can have their frames and seats.
    assert services.reserve_components(chairs, petra) == []
    _work(chairs, marko, {"Finish": 210})
    made = services.produce(chairs, petra)
    assert made.lot is not None and made.lot.name == "CH-0001"
    chairs = services.finish_order(chairs, petra)
    assert chairs.state == S.DONE

    # Each chair took a frame and a seat at what they cost, a kit at valuation, finishing labour.
    frame_value = ValuationLayer.objects.get(product=p["frame"], kind="in").value
    seat_value = ValuationLayer.objects.get(product=p["seat"], kind="in").value
    assert made.component_value == frame_value + seat_value + Decimal("38.00")  # 80 screws, 20 brackets
    assert made.labour_value == Decimal("84.00")  # 210 minutes at 24.00 an hour
    chair_layer = ValuationLayer.objects.get(product=chair, kind="in")
    assert chair_layer.value == made.value
    on_hand = sum((q.quantity for q in Quant.objects.filter(product=chair)), Decimal(0))
    assert on_hand == 10
    stock_account = Account.objects.get(company=company, code="1230")
    assert stock_values.stock_account_balance(company.pk, [stock_account.pk]) == stock_values.total_value(
        company.pk
    )

    # The planner reads the order and the cost roll-up on their pages; the shop floor shows nothing left.
    client = signed_in(petra)
    page = client.get(chairs.get_absolute_url()).content.decode()
    assert "CH-0001" in page and "84.00" in page
    cost = client.get(f"/manufacturing/boms/{shop.boms['chair'].pk}/cost/").content.decode()
    assert "139.60" in cost
    floor = signed_in(marko).get(f"/manufacturing/work-centres/{shop.centres['FIN'].pk}/shop-floor/")
    assert floor.status_code == 200
