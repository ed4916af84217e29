"""``/api/v1/purchasing/``: the kit's declared cases, prices hidden from warehouse staff,
the approval chain over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.purchasing import services
from tandem.purchasing.models import ApprovalLevel, PurchaseOrder, PurchaseRequest, SupplierPrice
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem
from tests.kit.records import Kit
from tests.purchasing.conftest import DAY
from tests.purchasing.test_views import _numbers, _product, _supplier


class TestSupplierPriceApi(ApiCases):
    model = SupplierPrice
    collection = "/api/v1/purchasing/supplier-prices/"
    editor_role = roles.PURCHASER
    reader_role = roles.ACCOUNTANT
    name_field = "supplier_sku"
    create_body = {"price": "12.5000", "min_quantity": "10", "lead_time_days": 7}
    update_body = {"price": "11.9000"}
    stale_body = {"price": "99.0000"}
    bad_bodies = [
        ({"price": "-1"}, "price"),
        ({"valid_from": "2026-02-01", "valid_to": "2026-01-01"}, "valid_to"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> SupplierPrice:
        fields.setdefault("supplier_sku", f"S-{next(_numbers)}")
        return services.create_supplier_price(
            company,
            actor,
            partner=_supplier(company, actor),
            product=_product(company, actor),
            price="10",
            **fields,
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["supplier"] = _supplier(kit.company, kit.editor)
        kit.extra["product"] = _product(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_payload(kit),
            "partner": kit.extra["supplier"].pk,
            "product": kit.extra["product"].pk,
        }


class TestPurchaseOrderApi(ApiCases):
    model = PurchaseOrder
    collection = "/api/v1/purchasing/orders/"
    editor_role = roles.PURCHASER
    reader_role = roles.WAREHOUSE
    name_field = "supplier_reference"
    archives = False
    create_body = {"supplier_reference": "Q-1", "order_date": "2026-03-10"}
    update_body = {"supplier_reference": "Q-2"}
    stale_body = {"supplier_reference": "Q-stale"}
    bad_bodies = [({"expected_date": "2026-01-01"}, "expected_date")]
    actions = [
        ApiAction("confirm", lambda kit, obj: {}, event="purchaseorder.confirmed"),
        ApiAction("cancel", lambda kit, obj: {}, event="purchaseorder.cancelled"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> PurchaseOrder:
        fields.setdefault("supplier_reference", f"Q-{next(_numbers)}")
        product = _product(company, actor, kind="service")
        return services.create_order(
            company,
            actor,
            partner=_supplier(company, actor),
            order_date=DAY,
            lines=[services.OrderLineData(product=product, quantity="2", price_unit="15")],
            **fields,
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["supplier"] = _supplier(kit.company, kit.editor)
        kit.extra["product"] = _product(kit.company, kit.editor, kind="service")

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_payload(kit),
            "partner": kit.extra["supplier"].pk,
            "lines": [{"product": kit.extra["product"].pk, "quantity": "3", "price_unit": "20"}],
        }


@pytest.fixture
def po(company: Company, purchaser: User, timber_co: Partner, design: Product) -> PurchaseOrder:
    return services.create_order(
        company,
        purchaser,
        partner=timber_co,
        order_date=DAY,
        lines=[services.OrderLineData(product=design, quantity="70", price_unit="123.4567")],
    )


def test_warehouse_staff_get_orders_without_prices(
    po: PurchaseOrder, warehouse: User, purchaser: User
) -> None:
    staff = api_client(warehouse)
    body = staff.get(f"/api/v1/purchasing/orders/{po.pk}/").json()
    assert "amount_total" not in body and "price_unit" not in body["lines"][0]
    listed = staff.get("/api/v1/purchasing/orders/").json()["results"][0]
    assert "amount_total" not in listed
    export = b"".join(staff.get("/api/v1/purchasing/orders/export/").streaming_content).decode()  # type: ignore[attr-defined]
    assert "8641.97" not in export and "amount_total" not in export
    assert_problem(staff.get("/api/v1/purchasing/supplier-prices/"), 403)
    mine = api_client(purchaser).get(f"/api/v1/purchasing/orders/{po.pk}/").json()
    assert mine["amount_total"] == "8641.97" and mine["lines"][0]["price_unit"] == "123.4567"


def test_approval_over_the_api_refuses_the_own_purchaser(
    po: PurchaseOrder, purchaser: User, buyer_manager: User, chain: list[ApprovalLevel]
) -> None:
    mine = api_client(purchaser)
    assert mine.post(f"/api/v1/purchasing/orders/{po.pk}/confirm/").json()["state"] == "to_approve"
    refused = assert_problem(mine.post(f"/api/v1/purchasing/orders/{po.pk}/approve/"), 403)
    assert "own order" in refused["detail"]
    approved = api_client(buyer_manager).post(f"/api/v1/purchasing/orders/{po.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["state"] == "confirmed"


def test_requests_are_grouped_into_rfqs_over_the_api(
    company: Company, purchaser: User, oak: Product, prices: None
) -> None:
    client = api_client(purchaser)
    created = client.post(
        "/api/v1/purchasing/requests/", {"product": oak.pk, "quantity": "12"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert_problem(
        client.post("/api/v1/purchasing/requests/", {"product": oak.pk, "quantity": "0"}, format="json"),
        400,
        "quantity",
    )
    answer = client.post("/api/v1/purchasing/requests/rfqs/", {}, format="json").json()
    assert len(answer["orders"]) == 1 and answer["without_supplier"] == []
    assert PurchaseRequest.objects.get().state == "ordered"
