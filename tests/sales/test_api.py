"""``/api/v1/sales/orders/``: the kit's declared cases, invoicing and progress over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.accounting.models import Tax
from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem
from tests.kit.records import Kit
from tests.sales.conftest import deliver
from tests.sales.test_views import _customer, _service, make_order


class TestSalesOrderApi(ApiCases):
    model = SalesOrder
    collection = "/api/v1/sales/orders/"
    editor_role = roles.SALESPERSON
    reader_role = roles.WAREHOUSE
    name_field = "customer_reference"
    archives = False
    create_body = {"customer_reference": "PO-1", "order_date": "2026-03-10"}
    update_body = {"customer_reference": "PO-2"}
    stale_body = {"customer_reference": "PO-stale"}
    bad_bodies = [({"validity_date": "2026-01-01"}, "validity_date")]
    actions = [
        ApiAction("send", lambda kit, obj: {}, event="salesorder.sent"),
        ApiAction("confirm", lambda kit, obj: {}, event="salesorder.confirmed"),
        ApiAction("cancel", lambda kit, obj: {}, event="salesorder.cancelled"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> SalesOrder:
        return make_order(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["customer"] = _customer(kit.company, kit.editor)
        kit.extra["product"] = _service(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_payload(kit),
            "partner": kit.extra["customer"].pk,
            "lines": [{"product": kit.extra["product"].pk, "quantity": "3", "discount": "5"}],
        }


pytestmark = pytest.mark.django_db


def test_an_order_is_confirmed_invoiced_and_followed_over_the_api(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    mine = api_client(salesperson)
    created = mine.post(
        "/api/v1/sales/orders/",
        {"partner": customer.pk, "lines": [{"product": chair.pk, "quantity": "2", "taxes": [vat.pk]}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount_total"] == "246.00" and body["lines"][0]["price_unit"] == "100.0000"
    url = f"/api/v1/sales/orders/{body['id']}/"
    assert mine.post(f"{url}confirm/").json()["state"] == "confirmed"
    assert_problem(mine.post(f"{url}confirm/"), 409)
    books = api_client(admin)
    line = body["lines"][0]["id"]
    beyond = books.post(f"{url}invoice/", {"lines": [{"line": line, "quantity": "1"}]}, format="json")
    assert_problem(beyond, 400, f"lines.{line}")  # nothing delivered yet
    assert mine.get(f"{url}progress/").json() == {
        "delivered": False,
        "invoiced": False,
        "paid": False,
        "amount_invoiced": "0.00",
        "amount_due": "0.00",
        "finished": False,
    }
    deliver(SalesOrder.objects.get(pk=body["id"]), admin)
    invoiced = books.post(f"{url}invoice/", {"lines": [{"line": line, "quantity": "2"}]}, format="json")
    assert invoiced.status_code == 201, invoiced.content
    invoice = f"/api/v1/accounting/invoices/{invoiced.json()['invoice']}/"
    assert books.post(f"{invoice}post/").status_code == 200
    assert mine.get(f"{url}progress/").json() == {
        "delivered": True,
        "invoiced": True,
        "paid": False,
        "amount_invoiced": "246.00",
        "amount_due": "246.00",
        "finished": True,
    }
    assert mine.get(url).json()["state"] == "done"


def test_a_customer_of_another_salesperson_is_refused(
    company: Company, other_salesperson: User, customer: Partner, chair: Product
) -> None:
    refused = api_client(other_salesperson).post(
        "/api/v1/sales/orders/",
        {"partner": customer.pk, "lines": [{"product": chair.pk, "quantity": "1"}]},
        format="json",
    )
    assert refused.status_code == 400 and not SalesOrder.objects.exists()
