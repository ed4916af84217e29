"""Reorder rules: the quantity a rule orders, the run (fires once, not twice), shortages from
reservations through ``replenish``, bad input, and the pages and API from the kit."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.planning import services
from tandem.planning.models import ReorderRule
from tandem.purchasing import services as purchasing
from tandem.purchasing.models import PurchaseRequest
from tests.kit.api import ApiCases, api_client
from tests.kit.records import Kit
from tests.kit.views import ViewCases
from tests.web.support import signed_in

_numbers = itertools.count(1)
D = Decimal


def _warehouse(company: Company, actor: User | None) -> Warehouse:
    found = Warehouse.objects.filter(company=company).first()
    return found or inventory.create_warehouse(company, actor, name="Main", code="WH")


def _product(company: Company, actor: User | None) -> Product:
    number = next(_numbers)
    return create_product(
        company, actor, name=f"Board {number}", sku=f"RB-{number}", uom=Uom.objects.get(code="pcs")
    )


@pytest.fixture
def wh(company: Company, admin: User) -> Warehouse:
    return _warehouse(company, admin)


def _rule(company: Company, actor: User | None, product: Product, **fields: Any) -> ReorderRule:
    fields.setdefault("min_quantity", "20")
    fields.setdefault("max_quantity", "100")
    return services.create_rule(
        company, actor, product=product, warehouse=_warehouse(company, actor), **fields
    )


@pytest.mark.parametrize(
    ("projected", "multiple", "safety", "wanted"),
    [
        ("25", "1", "0", "0"),
        ("20", "1", "0", "0"),
        ("19", "1", "0", "81"),
        ("19", "12", "0", "84"),
        ("-5", "1", "0", "105"),
        ("25", "1", "10", "85"),
        ("30", "1", "10", "0"),
    ],
)
def test_a_rule_orders_up_to_its_maximum_in_multiples(
    projected: str, multiple: str, safety: str, wanted: str
) -> None:
    rule = ReorderRule(min_quantity=D(20), max_quantity=D(100), multiple=D(multiple), safety_stock=D(safety))
    assert services.order_quantity(D(projected), rule) == D(wanted)


def test_the_run_asks_once_for_what_falls_short(
    company: Company, admin: User, wh: Warehouse, oak: Product, prices: None, timber_co: Partner
) -> None:
    inventory.create_receipt(company, timber_co, [(oak, "5", None, None)], actor=admin, warehouse=wh)
    receipt = inventory.create_receipt(
        company, timber_co, [(oak, "10", None, None)], actor=admin, warehouse=wh
    )
    inventory.validate_transfer(receipt, actor=admin)  # on hand 10, 5 more expected
    full = _product(company, admin)
    _rule(company, admin, oak, multiple="10")
    _rule(company, admin, full, min_quantity="0", max_quantity="0")
    result = services.run_reorder_rules(company, admin)
    assert result.rules == 2
    [request] = result.requests
    assert (request.product, request.quantity, request.warehouse) == (oak, D(90), wh)  # 100 - 15, by tens
    assert request.needed_by == datetime.date.today() + datetime.timedelta(days=2)  # the fastest supplier
    assert "Reorder rule" in request.origin
    assert services.run_reorder_rules(company, admin).requests == []  # already asked for
    purchasing.create_rfqs(company, admin, [request])
    assert services.run_reorder_rules(company, admin).requests == []  # on an RFQ counts too


def test_shortages_of_a_reservation_become_purchase_requests(
    company: Company, admin: User, wh: Warehouse, oak: Product, make_partner: Any
) -> None:
    customer = make_partner("Customer")
    delivery = inventory.create_delivery(
        company, customer, [(oak, "7", None, None)], actor=admin, warehouse=wh
    )
    shortages = inventory.reserve(delivery, admin)
    assert shortages and shortages[0].quantity == D(7)
    [request] = services.replenish(company, shortages, actor=admin, origin="delivery")
    assert (request.product, request.quantity, request.warehouse, request.state) == (oak, D(7), wh, "open")


def test_bad_rules_are_refused_and_nothing_written(
    company: Company, admin: User, oak: Product, design: Product, wh: Warehouse
) -> None:
    before = ReorderRule.objects.count(), Event.objects.count()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"product": oak, "min_quantity": "50", "max_quantity": "10"}, "max_quantity"),
        ({"product": oak, "multiple": "0"}, "multiple"),
        ({"product": oak, "min_quantity": "-1"}, "min_quantity"),
        ({"product": design}, "product"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            services.create_rule(company, admin, warehouse=wh, **fields)
        assert field in refused.value.errors, (fields, refused.value.errors)
    assert (ReorderRule.objects.count(), Event.objects.count()) == before
    _rule(company, admin, oak)
    with pytest.raises(ValidationFailed):
        _rule(company, admin, oak)  # one rule per product and warehouse


def test_the_button_runs_the_rules_as_a_job(
    company: Company, purchaser: User, admin: User, oak: Product, prices: None, settings: Any
) -> None:
    _rule(company, admin, oak)
    response = signed_in(purchaser).post(reverse("planning:run"))
    assert response.status_code == 302
    from tandem.core.jobs import services as jobs
    from tandem.core.jobs.models import Job

    jobs.run(Job.objects.get(kind="planning.run_rules").pk)
    assert PurchaseRequest.objects.get().quantity == D(100)


class TestReorderRulePages(ViewCases):
    model = ReorderRule
    namespace = "planning"
    url_prefix = "rule_"
    editor_role = roles.PURCHASER
    reader_role = roles.WAREHOUSE
    name_field = "product"
    create_data = {"min_quantity": "10", "max_quantity": "50", "multiple": "5", "safety_stock": "2"}
    edit_changes = {"max_quantity": D(60)}
    stale_changes = {"max_quantity": D(70)}
    bad_input = [({"max_quantity": "1"}, "max_quantity")]

    def name_of(self, obj: Any) -> str:
        return str(obj.product)

    def make(self, company: Company, actor: User | None, **fields: Any) -> ReorderRule:
        product = fields.pop("product", None)
        if isinstance(product, str):
            number = next(_numbers)
            product = create_product(
                company, actor, name=product, sku=f"RX-{number}", uom=Uom.objects.get(code="pcs")
            )
        return _rule(company, actor, product or _product(company, actor), **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)
        kit.extra["warehouse"] = _warehouse(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_form(kit),
            "product": str(kit.extra["product"].pk),
            "warehouse": str(kit.extra["warehouse"].pk),
        }


class TestReorderRuleApi(ApiCases):
    model = ReorderRule
    collection = "/api/v1/planning/reorder-rules/"
    editor_role = roles.PURCHASER
    reader_role = roles.WAREHOUSE
    name_field = "product"
    create_body = {"min_quantity": "10", "max_quantity": "50"}
    update_body = {"max_quantity": "60.0000"}
    stale_body = {"max_quantity": "70.0000"}
    bad_bodies = [({"multiple": "0"}, "multiple")]

    def name_of(self, obj: Any) -> str:
        return str(obj.product.pk)

    make = TestReorderRulePages.make

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)
        kit.extra["warehouse"] = _warehouse(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_payload(kit),
            "product": kit.extra["product"].pk,
            "warehouse": kit.extra["warehouse"].pk,
        }

    def test_export_holds_only_the_visible_records_and_no_live_formula(self, kit: Kit) -> None:
        """A rule holds no free text (the kit's formula payloads have nowhere to go): only the rows."""
        mine, foreign = kit.make(), kit.make_elsewhere()
        response = api_client(kit.editor).get(f"{self.collection}export/")
        lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
        assert [line.split(",")[0] for line in lines[1:]] == [str(mine.pk)] and foreign.pk != mine.pk


def test_run_over_the_api(company: Company, purchaser: User, admin: User, oak: Product, prices: None) -> None:
    _rule(company, admin, oak)
    answer = api_client(purchaser).post("/api/v1/planning/reorder-rules/run/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["rules"] == 1 and len(answer.json()["requests"]) == 1
