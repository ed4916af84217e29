"""The demands MRP pegged a manufacturing order or purchase request to, on their own API answers
(``made_for``: planning's ``core.registry.RecordData`` on two apps below it; issue 18)."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core import roles
from tandem.core.models import Company, User
from tandem.manufacturing.models import ManufacturingOrder
from tandem.planning import mrp_services
from tandem.purchasing.models import PurchaseRequest
from tests.kit.api import api_client
from tests.planning import chair_shop
from tests.planning.chair_shop import Shop, day

pytestmark = pytest.mark.django_db

MO = "/api/v1/manufacturing/orders/"
REQUESTS = "/api/v1/purchasing/requests/"


@pytest.fixture
def shop(company: Company, admin: User) -> Shop:
    return chair_shop.build(company, admin)


def _released(shop: Shop, admin: User) -> tuple[Any, Any, ManufacturingOrder, PurchaseRequest]:
    """6 and 4 chairs sold for day 20: one chairs' order of 8 made for both, legs bought for it."""
    first, second = shop.deliver("chair", "6", day(20)), shop.deliver("chair", "4", day(20))
    run = shop.run()
    released = list(run.orders.filter(product__sku__in=["CHAIR", "LEG"]))
    mrp_services.release_orders(shop.company, admin, released)
    made = ManufacturingOrder.objects.get(company=shop.company, product__sku="CHAIR")
    return first, second, made, PurchaseRequest.objects.get(company=shop.company, product__sku="LEG")


def test_one_order_and_one_request_say_what_they_are_made_for_and_lists_do_not(
    shop: Shop, admin: User
) -> None:
    first, second, made, legs = _released(shop, admin)
    client = api_client(admin)
    shown = client.get(f"{MO}{made.pk}/").json()
    assert shown["made_for"] == [
        {
            "demand_move": first.moves.get().pk,
            "transfer": first.pk,
            "transfer_number": first.number,
            "parent_planned_order": None,
            "quantity": "4.0000",
        },
        {
            "demand_move": second.moves.get().pk,
            "transfer": second.pk,
            "transfer_number": second.number,
            "parent_planned_order": None,
            "quantity": "4.0000",
        },
    ]
    assert made.components is not None
    request = client.get(f"{REQUESTS}{legs.pk}/").json()
    assert [(p["transfer"], p["transfer_number"], p["quantity"]) for p in request["made_for"]] == [
        (made.components.pk, made.components.number, "22.0000")
    ]
    assert all("made_for" not in row for row in client.get(MO).json()["results"])
    assert all("made_for" not in row for row in client.get(REQUESTS).json()["results"])
    by_hand = client.post(MO, {"product": shop.products["chair"].pk, "quantity": "1"}, format="json")
    assert by_hand.status_code == 201 and by_hand.json()["made_for"] == []  # MRP did not plan it


def test_a_reader_without_planned_orders_gets_nothing(shop: Shop, admin: User, make_user: Any) -> None:
    _first, _second, made, _legs = _released(shop, admin)
    keeper = make_user("wanda", roles.WAREHOUSE)
    assert not keeper.has_perm("planning.view_plannedorder")
    answer = api_client(keeper).get(f"{MO}{made.pk}/")
    assert answer.status_code == 200 and answer.json()["made_for"] == []


def test_another_companys_pegs_are_never_shown(
    shop: Shop, admin: User, other_company: Company, make_user: Any
) -> None:
    ours = _released(shop, admin)
    theirs = _released(chair_shop.build(other_company, admin), admin)
    planner = make_user("pia", roles.PRODUCTION_PLANNER)
    client = api_client(planner)
    shown = client.get(f"{MO}{ours[2].pk}/").json()["made_for"]
    assert {p["transfer"] for p in shown} == {ours[0].pk, ours[1].pk}
    assert client.get(f"{MO}{theirs[2].pk}/").status_code == 404
    assert client.get(f"{REQUESTS}{theirs[3].pk}/").status_code == 404


def test_a_release_that_completes_the_pegs_is_never_answered_not_modified(shop: Shop, admin: User) -> None:
    """Seats released first are pegged to the chairs' planned order; releasing the chairs then
    pegs them to the chairs' seat move — the seats' order's version stays, its answer changes."""
    shop.deliver("chair", "6", day(20))
    run = shop.run()
    mrp_services.release_orders(shop.company, admin, list(run.orders.filter(product__sku="SEAT")))
    seats = ManufacturingOrder.objects.get(product__sku="SEAT")
    client = api_client(admin)
    first = client.get(f"{MO}{seats.pk}/")
    chair = run.orders.get(product__sku="CHAIR")
    pegs = first.json()["made_for"]
    assert [(p["demand_move"], p["parent_planned_order"]) for p in pegs] == [(None, chair.pk)]
    assert first["ETag"]
    mrp_services.release_orders(shop.company, admin, [chair])
    again = client.get(f"{MO}{seats.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] == first["ETag"]
    made = ManufacturingOrder.objects.get(product__sku="CHAIR")
    assert made.components is not None
    assert [p["transfer"] for p in again.json()["made_for"]] == [made.components.pk]


def test_the_schema_documents_made_for_on_one_record_only() -> None:
    schemas = api_client(None).get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert set(schemas["MadeFor"]["properties"]) == {
        "demand_move", "transfer", "transfer_number", "parent_planned_order", "quantity",
    }  # fmt: skip
    for detail, row in (("OrderDetail", "Order"), ("PurchaseRequestDetail", "PurchaseRequest")):
        made_for = schemas[detail]["properties"]["made_for"]
        assert made_for["items"] == {"$ref": "#/components/schemas/MadeFor"} and made_for["readOnly"]
        assert "made_for" not in schemas[row]["properties"]
