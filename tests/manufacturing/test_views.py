"""Manufacturing pages: the kit's declared cases for work centres, routings, bills of materials,
manufacturing orders and quality check points; the cost roll-up page, the shop floor and the
quality alerts."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.manufacturing import services
from tandem.manufacturing.models import (
    Bom,
    ManufacturingOrder,
    QualityAlert,
    QualityPoint,
    Routing,
    WorkCentre,
)
from tandem.manufacturing.services import LineData, OperationData
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases, form_data, signed_in

_numbers = itertools.count(1)


def _product(company: Company, actor: User | None, name: str = "Part") -> Product:
    number = next(_numbers)
    return create_product(
        company, actor, name=f"{name} {number}", sku=f"P-{number}", uom=Uom.objects.get(code="pcs")
    )


def _warehouse(company: Company, actor: User | None) -> Warehouse:
    found = Warehouse.objects.filter(company=company).first()
    return found or inventory.create_warehouse(company, actor, name="Main", code="WH")


def _centre(company: Company, actor: User | None, **fields: Any) -> WorkCentre:
    number = next(_numbers)
    fields.setdefault("name", f"Centre {number}")
    return services.create_work_centre(company, actor, code=f"C{number}", cost_per_hour="20", **fields)


def _bom(company: Company, actor: User | None, **fields: Any) -> Bom:
    return services.create_bom(
        company,
        actor,
        product=_product(company, actor, "Stool"),
        lines=[LineData(_product(company, actor), "3")],
        **fields,
    )


def _with_formsets(client: Client, url: str, *names: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    data = form_data(form)
    for name in names:
        formset = getattr(form, name)
        data.update({f"{name}-{key}": value for key, value in form_data(formset.management_form).items()})
        for row in formset.forms:
            data.update({f"{row.prefix}-{key}": value for key, value in form_data(row).items()})
    return data


def _empty(name: str) -> dict[str, str]:
    return {f"{name}-TOTAL_FORMS": "0", f"{name}-INITIAL_FORMS": "0"}


class TestWorkCentrePages(ViewCases):
    model = WorkCentre
    namespace = "manufacturing"
    url_prefix = "centre_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    create_data = {
        "name": "Sanding",
        "code": "SND",
        "capacity_hours": "8",
        "cost_per_hour": "25",
        "working_days": "12345",
    }
    edit_changes = {"cost_per_hour": Decimal("27.50")}
    stale_changes = {"cost_per_hour": Decimal("99")}
    bad_input = [({"capacity_hours": "25"}, "capacity_hours")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> WorkCentre:
        return _centre(company, actor, **fields)


class TestRoutingPages(ViewCases):
    model = Routing
    namespace = "manufacturing"
    url_prefix = "routing_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    create_data = {"name": "Stool routing"}
    edit_changes = {"name": "Stool routing, faster"}
    stale_changes = {"name": "Stale"}
    bad_input = [({"name": ""}, "name")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Routing:
        fields.setdefault("name", f"Routing {next(_numbers)}")
        return services.create_routing(
            company, actor, operations=[OperationData("Sand", _centre(company, actor), "5", "2")], **fields
        )

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["centre"] = _centre(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_form(kit),
            "operations-TOTAL_FORMS": "1",
            "operations-INITIAL_FORMS": "0",
            "operations-0-name": "Sand",
            "operations-0-work_centre": str(kit.extra["centre"].pk),
            "operations-0-setup_minutes": "5",
            "operations-0-run_minutes": "2",
        }

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        return _with_formsets(client, self.url("edit", obj), "operations")


class TestBomPages(ViewCases):
    model = Bom
    namespace = "manufacturing"
    url_prefix = "bom_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    name_field = "reference"
    create_data = {"reference": "STOOL-A", "kind": "normal", "quantity": "1"}
    edit_changes = {"reference": "STOOL-B", "quantity": Decimal(2)}
    stale_changes = {"reference": "STOOL-STALE"}
    bad_input = [({"quantity": "0"}, "quantity")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Bom:
        return _bom(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor, "Bench")
        kit.extra["part"] = _product(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_form(kit),
            "product": str(kit.extra["product"].pk),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": str(kit.extra["part"].pk),
            "lines-0-quantity": "4",
            **_empty("byproducts"),
        }

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        return _with_formsets(client, self.url("edit", obj), "lines", "byproducts")


class TestManufacturingOrderPages(ViewCases):
    model = ManufacturingOrder
    namespace = "manufacturing"
    url_prefix = "order_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = roles.WAREHOUSE
    name_field = "reference"
    create_data = {"reference": "For the Bled café", "quantity": "2", "due_date": "2026-03-10"}
    edit_changes = {"reference": "For the Piran café", "quantity": Decimal(3)}
    stale_changes = {"reference": "Stale"}
    bad_input = [({"quantity": "0"}, "quantity")]
    actions = [
        Action("manufacturing:order_confirm", lambda kit, obj: {}, "mo.confirmed"),
        Action("manufacturing:order_cancel", lambda kit, obj: {"confirmed": "1"}, "mo.cancelled"),
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

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "product": str(kit.extra["bom"].product_id)}


class TestQualityPointPages(ViewCases):
    model = QualityPoint
    namespace = "manufacturing"
    url_prefix = "point_"
    editor_role = roles.PRODUCTION_PLANNER
    reader_role = "production"
    name_field = "title"
    create_data = {"title": "Wobble test", "kind": "pass_fail"}
    edit_changes = {"title": "Wobble test on a flat floor"}
    stale_changes = {"title": "Stale"}
    bad_input = [({"kind": "measure", "minimum": "5", "maximum": "1"}, "maximum")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> QualityPoint:
        fields.setdefault("title", f"Check {next(_numbers)}")
        return services.create_quality_point(company, actor, product=_product(company, actor), **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["product"] = _product(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "product": str(kit.extra["product"].pk)}


@pytest.mark.django_db
def test_the_shop_floor_starts_pauses_and_finishes_work_with_big_buttons(
    workshop: Any, make_user: Any, pinned_queries: Any
) -> None:
    marko = make_user("marko", "production")
    order = services.confirm_order(
        services.create_order(
            workshop.company, workshop.planner, product=workshop.products["frame"], quantity="2"
        ),
        workshop.planner,
    )
    cut = order.work_orders.get(name="Cut")
    client = signed_in(marko)
    floor = reverse("manufacturing:shop_floor", args=[workshop.centres["CUT"].pk])
    page = client.get(floor)
    assert page.status_code == 200
    assert f'data-work-order="{cut.pk}"' in page.content.decode() and "btn-lg" in page.content.decode()
    pinned_queries.check("manufacturing:shop_floor", lambda: client.get(floor))
    for name, state in [
        ("start", "in_progress"),
        ("pause", "paused"),
        ("start", "in_progress"),
        ("finish", "done"),
    ]:
        response = client.post(
            reverse(f"manufacturing:workorder_{name}", args=[cut.pk]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 204 and response["HX-Redirect"] == floor
        cut.refresh_from_db()
        assert cut.state == state
    assert cut.logs.count() == 2 and not cut.logs.filter(ended_at__isnull=True).exists()
    assert f'data-work-order="{cut.pk}"' not in client.get(floor).content.decode()
    reader = signed_in(make_user("walter", roles.WAREHOUSE))
    join = order.work_orders.get(name="Join")
    assert reader.post(reverse("manufacturing:workorder_start", args=[join.pk])).status_code == 403


@pytest.mark.django_db
def test_a_check_recorded_on_the_order_page_raises_an_alert_the_planner_closes(
    workshop: Any, make_user: Any
) -> None:
    planner = workshop.planner
    services.create_quality_point(
        workshop.company, planner, title="Seat height", product=workshop.products["frame"],
        kind="measure", minimum="44", maximum="46", unit="cm",
    )  # fmt: skip
    order = services.confirm_order(
        services.create_order(workshop.company, planner, product=workshop.products["frame"], quantity="1"),
        planner,
    )
    check = order.checks.get()
    client = signed_in(make_user("marko", "production"))
    page = client.get(order.get_absolute_url()).content.decode()
    assert f'data-check="{check.pk}"' in page
    record = reverse("manufacturing:check_record", args=[check.pk])
    response = client.post(record, {"measured": "47.5", "next": order.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    alert = QualityAlert.objects.get(order=order)
    assert "47.5" in client.get(order.get_absolute_url()).content.decode()
    planner_client = signed_in(planner)
    listed = planner_client.get(reverse("manufacturing:alert_list")).content.decode()
    assert "Seat height" in listed
    closed = planner_client.post(reverse("manufacturing:alert_close", args=[alert.pk]))
    assert closed.status_code == 302
    alert.refresh_from_db()
    assert alert.state == QualityAlert.State.CLOSED
    cost = planner_client.get(reverse("manufacturing:bom_cost", args=[workshop.boms["chair"].pk]))
    assert cost.status_code == 200 and "139.60" in cost.content.decode()


@pytest.mark.django_db
def test_the_requirements_page_explodes_a_quantity_level_by_level(workshop: Any, pinned_queries: Any) -> None:
    client = signed_in(workshop.planner)
    url = reverse("manufacturing:bom_explode", args=[workshop.boms["chair"].pk])
    page = client.get(url, {"quantity": "10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "27.5" in text and "Hardware kit" in text  # 250 cm of oak × 1.1 × 10, through the kit
    assert f'href="{url}"' in client.get(workshop.boms["chair"].get_absolute_url()).content.decode()
    pinned_queries.check("manufacturing:bom_explode", lambda: client.get(url, {"quantity": "10"}))
    refused = client.get(url, {"quantity": "0"})
    assert refused.status_code == 400 and 'id="id_quantity_errors"' in refused.content.decode()
