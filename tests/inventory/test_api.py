"""``/api/v1/inventory/…``: warehouses through the kit's declared cases; transfers (create,
reserve, partial validate with lots, cancel, return), the ledger, availability, counts and lots."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Count, Lot, MoveLine, Transfer, Warehouse
from tandem.partners.models import Partner
from tests.kit.api import ApiCases, api_client, assert_problem

pytestmark = pytest.mark.django_db
_codes = itertools.count(1)
T = "/api/v1/inventory/transfers/"


class TestWarehouseApi(ApiCases):
    model = Warehouse
    collection = "/api/v1/inventory/warehouses/"
    editor_role = roles.WAREHOUSE
    reader_role = roles.ACCOUNTANT
    create_body = {"name": "South site", "code": "SOUTH"}
    update_body = {"name": "South site, hall B"}
    stale_body = {"name": "South (stale)"}
    bad_bodies = [({"name": ""}, "name")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Warehouse:
        fields.setdefault("name", f"Site {next(_codes)}")
        return services.create_warehouse(company, actor, code=f"A{next(_codes)}", **fields)


def test_a_delivery_through_the_api_reserves_validates_partially_and_returns(
    company: Company, warehouse: Warehouse, customer: Partner, fabric: Product, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 3)
    client = api_client(worker)
    lines = [{"product": chair.pk, "quantity": "5"}, {"product": fabric.pk, "quantity": "2", "uom": "m"}]
    body = {"kind": "delivery", "partner": customer.pk, "origin": "SO-9", "lines": lines}
    created = client.post(T, body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    reserved = client.post(f"{T}{pk}/reserve/", format="json")
    assert reserved.status_code == 200
    shortages = {row["product"]: row["quantity"] for row in reserved.json()["shortages"]}
    assert shortages == {chair.pk: "2.0000", fabric.pk: "2.0000"}
    chair_move = reserved.json()["transfer"]["moves"][0]["id"]
    done = client.post(
        f"{T}{pk}/validate/", {"moves": [{"move": chair_move, "quantity": "3"}]}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    backorder = Transfer.objects.get(backorder_of_id=pk)
    assert backorder.moves.count() == 2
    lines = client.get("/api/v1/inventory/moves/", {"transfer": pk}).json()["results"]
    assert [(line["product"], line["quantity"]) for line in lines] == [(chair.pk, "3.0000")]
    assert client.post(f"{T}{pk}/validate/", format="json").status_code == 409
    back = client.post(f"{T}{pk}/return/", format="json")
    assert back.status_code == 201 and back.json()["kind"] == "receipt"
    assert client.post(f"{T}{backorder.pk}/cancel/", format="json").json()["state"] == "cancelled"


def test_bad_transfer_bodies_are_problems_and_write_nothing(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, supplier: Partner
) -> None:
    client = api_client(worker)
    for line, field in [
        ({"product": chair.pk, "quantity": "0"}, "lines.0"),
        ({"product": chair.pk, "quantity": "1", "uom": "kg"}, "lines.0"),
        ({"product": 999999, "quantity": "1"}, "lines"),
    ]:
        assert_problem(client.post(T, {"kind": "receipt", "lines": [line]}, format="json"), 400, field)
    assert not Transfer.objects.exists()
    receipt = services.create_receipt(company, supplier, [(chair, 2)], actor=worker)
    move = receipt.moves.get()
    for moves in ([{"move": move.pk, "quantity": "-1"}], [{"move": 424242, "quantity": "1"}]):
        response = client.post(f"{T}{receipt.pk}/validate/", {"moves": moves}, format="json")
        assert response.status_code == 400, response.content
    assert not MoveLine.objects.exists()


def test_a_tracked_receipt_names_its_lot_through_the_api(
    company: Company, warehouse: Warehouse, supplier: Partner, fabric: Product, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(fabric, 10)], actor=worker)
    move = receipt.moves.get()
    client = api_client(worker)
    missing = client.post(
        f"{T}{receipt.pk}/validate/", {"moves": [{"move": move.pk, "quantity": "10"}]}, format="json"
    )
    assert_problem(missing, 400)
    done = client.post(
        f"{T}{receipt.pk}/validate/",
        {"moves": [{"move": move.pk, "quantity": "10", "lot": "R-1"}]},
        format="json",
    )
    assert done.status_code == 200
    lot = Lot.objects.get(name="R-1")
    assert [row["id"] for row in client.get("/api/v1/inventory/lots/").json()["results"]] == [lot.pk]
    made = client.post("/api/v1/inventory/lots/", {"product": fabric.pk, "name": "R-2"}, format="json")
    assert made.status_code == 201


def test_availability_answers_for_a_product_and_a_warehouse(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, stock_of: Callable[..., Any],
    salesperson: User,
) -> None:  # fmt: skip
    stock_of(chair, 4)
    url = "/api/v1/inventory/availability/"
    answer = api_client(salesperson).get(url, {"product": chair.pk, "warehouse": warehouse.pk})
    assert answer.status_code == 200, answer.content
    assert (answer.json()["on_hand"], answer.json()["available"]) == ("4.0000", "4.0000")
    assert api_client(worker).get(url, {"product": chair.pk}).status_code == 400
    assert (
        api_client(worker)
        .get(url, {"product": chair.pk, "warehouse": warehouse.pk, "until": "x"})
        .status_code
        == 400
    )


def test_another_companys_transfer_is_not_found_and_a_reader_cannot_act(
    company: Company, other_company: Company, warehouse: Warehouse, supplier: Partner, chair: Product,
    worker: User, make_user: Callable[..., User], salesperson: User,
) -> None:  # fmt: skip
    receipt = services.create_receipt(company, supplier, [(chair, 1)], actor=worker)
    stranger = api_client(make_user("otto", roles.WAREHOUSE, company=other_company))
    for path in ("", "reserve/", "validate/", "cancel/"):
        response = (
            stranger.post(f"{T}{receipt.pk}/{path}", format="json")
            if path
            else stranger.get(f"{T}{receipt.pk}/")
        )
        assert_problem(response, 404)
    assert_problem(api_client(salesperson).post(f"{T}{receipt.pk}/validate/", format="json"), 403)
    receipt.refresh_from_db()
    assert receipt.state == Transfer.State.READY


def test_a_count_through_the_api(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, stock_of: Callable[..., Any]
) -> None:
    stock_of(chair, 5)
    client = api_client(worker)
    created = client.post(
        "/api/v1/inventory/counts/", {"location": warehouse.stock_location.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    pk, line = created.json()["id"], created.json()["lines"][0]["id"]
    bad = client.post(
        f"/api/v1/inventory/counts/{pk}/counted/", {"lines": [{"line": line, "counted": "-1"}]}, format="json"
    )
    assert bad.status_code == 400
    ok = client.post(
        f"/api/v1/inventory/counts/{pk}/counted/", {"lines": [{"line": line, "counted": "4"}]}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["lines"][0]["counted"] == "4.0000"
    applied = client.post(f"/api/v1/inventory/counts/{pk}/apply/", format="json")
    assert applied.status_code == 200 and applied.json()["state"] == "applied"
    assert Count.objects.get(pk=pk).transfer is not None
    assert client.get("/api/v1/inventory/quants/").json()["results"][0]["quantity"] == "4.0000"
