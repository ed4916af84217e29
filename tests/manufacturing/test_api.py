"""``/api/v1/manufacturing/``: the kit's declared API cases for BOMs, work centres, routings and
orders (with their actions); work orders and quality checks through their actions."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tandem.core import roles
from tandem.core.models import Company, User
from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, ManufacturingOrder, QualityAlert, Routing, WorkCentre, WorkOrder
from tandem.manufacturing.services import OperationData
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem
from tests.kit.records import Kit
from tests.manufacturing.conftest import Workshop
from tests.manufacturing.test_views import _bom, _centre, _product, _warehouse

_numbers = itertools.count(1)


class TestWorkCentreApi(ApiCases):
    model = WorkCentre
    collection = "/api/v1/manufacturing/work-centres/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    create_body = {"name": "Sanding", "code": "SND", "capacity_hours": "7.5", "cost_per_hour": "25.00"}
    update_body = {"cost_per_hour": "26.00"}
    stale_body = {"cost_per_hour": "99.00"}
    bad_bodies = [({"capacity_hours": "30"}, "capacity_hours"), ({"working_days": "9"}, "working_days")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> WorkCentre:
        return _centre(company, actor, **fields)


class TestRoutingApi(ApiCases):
    model = Routing
    collection = "/api/v1/manufacturing/routings/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    create_body = {"name": "Stool"}
    update_body = {"name": "Stool, faster"}
    stale_body = {"name": "Stale"}
    bad_bodies = [({"name": ""}, "name")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Routing:
        fields.setdefault("name", f"Routing {next(_numbers)}")
        return services.create_routing(
            company, actor, operations=[OperationData("Sand", _centre(company, actor), "5", "2")], **fields
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["centre"] = _centre(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        operation = {"name": "Sand", "work_centre": kit.extra["centre"].pk, "run_minutes": "3"}
        return {**self.create_body, "operations": [operation]}


class TestBomApi(ApiCases):
    model = Bom
    collection = "/api/v1/manufacturing/boms/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    name_field = "reference"
    create_body = {"reference": "BENCH-A", "quantity": "1"}
    update_body = {"reference": "BENCH-B"}
    stale_body = {"reference": "BENCH-STALE"}
    bad_bodies = [({"quantity": "0"}, "quantity"), ({"kind": "magic"}, "kind")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Bom:
        return _bom(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor, "Bench")
        kit.extra["part"] = _product(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        product, part = kit.extra["product"], kit.extra["part"]
        return {
            **self.create_body,
            "product": product.pk,
            "lines": [{"product": part.pk, "quantity": "4", "uom": "pcs", "scrap_percent": "5"}],
        }


class TestOrderApi(ApiCases):
    model = ManufacturingOrder
    collection = "/api/v1/manufacturing/orders/"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    name_field = "reference"
    archives = False
    create_body = {"reference": "For Bled", "quantity": "2"}
    update_body = {"reference": "For Piran"}
    stale_body = {"reference": "Stale"}
    bad_bodies = [({"quantity": "0"}, "quantity")]
    actions = [
        ApiAction("confirm", lambda kit, obj: {}, event="mo.confirmed"),
        ApiAction("cancel", lambda kit, obj: {}, event="mo.cancelled"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> ManufacturingOrder:
        _warehouse(company, actor)
        fields.setdefault("reference", f"MO {next(_numbers)}")
        bom = _bom(company, actor)
        return services.create_order(company, actor, product=bom.product, quantity="2", **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        _warehouse(kit.company, kit.editor)
        kit.extra["bom"] = _bom(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_body, "product": kit.extra["bom"].product_id}


@pytest.mark.django_db
def test_an_order_runs_through_the_api_from_confirm_to_finish(workshop: Workshop, planner: User) -> None:
    client = api_client(planner)
    created = client.post(
        "/api/v1/manufacturing/orders/",
        {"product": workshop.products["frame"].pk, "quantity": "2"},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/manufacturing/orders/{created.json()['id']}/"
    assert client.post(f"{url}confirm/", {}, format="json").json()["state"] == "confirmed"
    work = client.get("/api/v1/manufacturing/work-orders/", {"order": created.json()["id"]}).json()["results"]
    assert [w["name"] for w in work] == ["Cut", "Join"] or [w["name"] for w in work] == ["Join", "Cut"]
    for row in work:
        started = client.post(f"/api/v1/manufacturing/work-orders/{row['id']}/start/", {}, format="json")
        assert started.json()["state"] == WorkOrder.State.IN_PROGRESS
        assert (
            client.post(
                f"/api/v1/manufacturing/work-orders/{row['id']}/finish/", {}, format="json"
            ).status_code
            == 200
        )
    assert_problem(client.post(f"{url}produce/", {"quantity": "0"}, format="json"), 400, "quantity")
    produced = client.post(f"{url}produce/", {"quantity": "1"}, format="json")
    assert produced.status_code == 200, produced.content
    done = client.post(f"{url}finish/", {}, format="json")
    assert done.json()["state"] == "done"
    assert ManufacturingOrder.objects.get(backorder_of_id=created.json()["id"]).quantity == 1


@pytest.mark.django_db
def test_a_failed_check_through_the_api_raises_an_alert_and_blocks_finishing(
    workshop: Workshop, planner: User
) -> None:
    services.create_quality_point(
        workshop.company, planner, title="Square", product=workshop.products["frame"]
    )
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="1"),
        planner,
    )
    client = api_client(planner)
    check = order.checks.get()
    failed = client.post(
        f"/api/v1/manufacturing/quality-checks/{check.pk}/record/", {"passed": False}, format="json"
    )
    assert failed.json()["state"] == "failed"
    assert QualityAlert.objects.filter(order=order).exists()
    services.produce(order, planner)
    refused = client.post(f"/api/v1/manufacturing/orders/{order.pk}/finish/", {}, format="json")
    assert_problem(refused, 400)
    assert "Square" in refused.json()["detail"]
