"""Inventory pages: warehouses and locations through the kit's declared cases; transfers (form
with lines, actions, the phone screen with a scanner), counts, the stock card and the product
page's stock panel; a warehouse worker may, a salesperson may not, another company's is 404."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.inventory import queries, services
from tandem.inventory.models import Count, Location, MoveLine, Transfer, Warehouse
from tandem.partners.models import Partner
from tests.core.documents.conftest import pdf_text
from tests.kit.views import ViewCases, add_row, edit_page_data, remove_row, signed_in

pytestmark = pytest.mark.django_db
_codes = itertools.count(1)


def _warehouse(company: Company, actor: User | None) -> Warehouse:
    found = Warehouse.objects.filter(company=company).first()
    return found or services.create_warehouse(company, actor, name="Main", code=f"W{next(_codes)}")


class TestWarehousePages(ViewCases):
    model = Warehouse
    namespace = "inventory"
    url_prefix = "warehouse_"
    editor_role = roles.WAREHOUSE
    reader_role = roles.ACCOUNTANT
    create_data = {"name": "North site", "code": "NORTH", "delivery_steps": "3", "reception_steps": "1"}
    edit_changes = {"name": "North site (new hall)", "reception_steps": 3}
    stale_changes = {"name": "North site (stale)"}
    bad_input = [({"name": ""}, "name"), ({"delivery_steps": "4"}, "delivery_steps")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Warehouse:
        fields.setdefault("name", f"Site {next(_codes)}")
        return services.create_warehouse(company, actor, code=f"S{next(_codes)}", **fields)


def test_a_shelf_is_added_under_the_stock_and_its_barcode_changed(
    company: Company,
    warehouse: Warehouse,
    worker: User,
    make_user: Callable[..., User],
    other_company: Company,
) -> None:
    client = signed_in(worker)
    data = {"name": "Bin 7", "kind": "internal", "parent": warehouse.stock_location.pk, "barcode": ""}
    response = client.post(reverse("inventory:location_create"), data)
    shelf = Location.objects.get(path="WH/Stock/Bin 7")
    assert response["Location"] == shelf.get_absolute_url() and shelf.warehouse == warehouse
    refused = client.post(reverse("inventory:location_create"), {**data, "name": "A/B"})
    assert refused.status_code == 200 and 'id="id_name_errors"' in refused.content.decode()
    edit = reverse("inventory:location_edit", args=[shelf.pk])
    assert (
        client.post(edit, {"barcode": "BIN-7", "active": "on", "version": shelf.version}).status_code == 302
    )
    shelf.refresh_from_db()
    assert shelf.barcode == "BIN-7" and shelf.version == 2
    assert "Bin 7" in client.get(reverse("inventory:location_list")).content.decode()
    assert client.get(shelf.get_absolute_url()).status_code == 200
    stranger = signed_in(make_user("otto", roles.WAREHOUSE, company=other_company))
    assert stranger.get(shelf.get_absolute_url()).status_code == 404
    assert stranger.post(edit, {"barcode": "X", "version": 2}).status_code == 404


def test_a_worker_creates_a_receipt_with_lines_and_validates_it(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    client = signed_in(worker)
    assert client.get(reverse("inventory:transfer_create")).status_code == 200
    data = {
        "kind": "receipt", "warehouse": warehouse.pk, "partner": supplier.pk, "origin": "PO-7",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-0-product": chair.pk, "lines-0-quantity": "12",
    }  # fmt: skip
    response = client.post(reverse("inventory:transfer_create"), data)
    receipt = Transfer.objects.get(origin="PO-7")
    assert response.status_code == 302 and response["Location"] == receipt.get_absolute_url()
    page = client.get(receipt.get_absolute_url()).content.decode()
    assert receipt.number in page and "Validate" in page and "Chair" in page
    client.post(reverse("inventory:transfer_validate", args=[receipt.pk]), {"confirmed": "1"})
    receipt.refresh_from_db()
    assert receipt.state == Transfer.State.DONE
    assert "What moved" in client.get(receipt.get_absolute_url()).content.decode()
    pdf = client.get(reverse("inventory:transfer_pdf", args=[receipt.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_transfer_form_with_a_bad_line_shows_the_error_and_writes_nothing(
    company: Company, warehouse: Warehouse, chair: Product, worker: User
) -> None:
    data = {
        "kind": "delivery", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-product": chair.pk, "lines-0-quantity": "0",
    }  # fmt: skip
    response = signed_in(worker).post(reverse("inventory:transfer_create"), data)
    assert response.status_code == 200 and "more than zero" in response.content.decode()
    assert not Transfer.objects.exists()


def test_scanning_barcodes_picks_the_lines_and_validates_with_a_backorder(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, fabric: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 5)
    stock_of(fabric, 20, lots="ROLL-1")
    delivery = services.create_delivery(company, customer, [(chair, 3), (fabric, 4)], actor=worker)
    services.reserve(delivery, worker)
    chair_move, fabric_move = delivery.moves.order_by("sequence")
    url = reverse("inventory:transfer_process", args=[delivery.pk])
    client = signed_in(worker)
    page = client.get(url)
    assert page.status_code == 200 and 'name="scan"' in page.content.decode()
    form = {f"done-{chair_move.pk}": "", f"done-{fabric_move.pk}": "", f"lot-{fabric_move.pk}": ""}
    for code in ["4006381333931", "4006381333931", "ROLL-1", "FABRIC", "nonsense"]:
        response = client.post(url, {**form, "scan": code})
        context = {row.move.pk: row for row in response.context["rows"]}
        form = {
            f"done-{chair_move.pk}": context[chair_move.pk].done,
            f"done-{fabric_move.pk}": context[fabric_move.pk].done,
            f"lot-{fabric_move.pk}": context[fabric_move.pk].lot,
        }
    assert form == {
        f"done-{chair_move.pk}": "2",
        f"done-{fabric_move.pk}": "2",
        f"lot-{fabric_move.pk}": "ROLL-1",
    }
    assert "is on no line" in response.content.decode()
    response = client.post(url, {**form, "validate": "1"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.DONE
    backorder = delivery.backorders.get()
    assert sorted(backorder.moves.values_list("quantity", flat=True)) == [1, 2]
    assert queries.on_hand(chair, warehouse)[0] == 3


def test_the_phone_screen_shows_a_refusal_and_moves_nothing(
    company: Company, warehouse: Warehouse, supplier: Partner, fabric: Product, worker: User
) -> None:
    receipt = services.create_receipt(company, supplier, [(fabric, 5)], actor=worker)
    move = receipt.moves.get()
    url = reverse("inventory:transfer_process", args=[receipt.pk])
    response = signed_in(worker).post(url, {f"done-{move.pk}": "5", f"lot-{move.pk}": "", "validate": "1"})
    assert response.status_code == 400 and "tracked" in response.content.decode()
    assert not MoveLine.objects.exists()


def test_transfer_actions_reserve_unreserve_cancel_and_return(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 5)
    client = signed_in(worker)
    delivery = services.create_delivery(company, customer, [(chair, 2)], actor=worker)
    client.post(reverse("inventory:transfer_reserve", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.READY
    client.post(reverse("inventory:transfer_unreserve", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.WAITING
    client.post(reverse("inventory:transfer_cancel", args=[delivery.pk]), {"confirmed": "1"})
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.CANCELLED
    other = services.create_delivery(company, customer, [(chair, 2)], actor=worker)
    services.reserve(other, worker)
    services.validate_transfer(other, actor=worker)
    response = client.post(reverse("inventory:transfer_return", args=[other.pk]))
    back = other.returns.get()
    assert response["Location"] == back.get_absolute_url() and back.kind == Transfer.Kind.RECEIPT


def test_a_salesperson_sees_transfers_but_does_not_validate_and_another_company_is_404(
    company: Company, other_company: Company, warehouse: Warehouse, supplier: Partner, chair: Product,
    worker: User, salesperson: User, make_user: Callable[..., User],
) -> None:  # fmt: skip
    receipt = services.create_receipt(company, supplier, [(chair, 1)], actor=worker)
    seller = signed_in(salesperson)
    assert seller.get(receipt.get_absolute_url()).status_code == 200
    assert (
        seller.post(reverse("inventory:transfer_validate", args=[receipt.pk]), {"confirmed": "1"}).status_code
        == 403
    )
    assert seller.get(reverse("inventory:transfer_process", args=[receipt.pk])).status_code == 403
    stranger = signed_in(make_user("otto", roles.WAREHOUSE, company=other_company))
    for name in ("transfer_detail", "transfer_process", "transfer_pdf"):
        assert stranger.get(reverse(f"inventory:{name}", args=[receipt.pk])).status_code == 404, name
    assert (
        stranger.post(
            reverse("inventory:transfer_validate", args=[receipt.pk]), {"confirmed": "1"}
        ).status_code
        == 404
    )
    receipt.refresh_from_db()
    assert receipt.state == Transfer.State.READY


def test_a_count_on_screen_and_on_paper(
    company: Company, warehouse: Warehouse, chair: Product, worker: User, stock_of: Callable[..., Any]
) -> None:
    stock_of(chair, 8)
    client = signed_in(worker)
    response = client.post(reverse("inventory:count_create"), {"location": warehouse.stock_location.pk})
    count = Count.objects.get()
    assert response["Location"] == count.get_absolute_url()
    line = count.lines.get()
    assert f'name="line-{line.pk}"' in client.get(count.get_absolute_url()).content.decode()
    client.post(reverse("inventory:count_record", args=[count.pk]), {f"line-{line.pk}": "x"})
    assert count.lines.get().counted is None
    client.post(reverse("inventory:count_record", args=[count.pk]), {f"line-{line.pk}": "6"})
    pdf = client.get(reverse("inventory:count_pdf", args=[count.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.post(reverse("inventory:count_apply", args=[count.pk]), {"confirmed": "1"})
    count.refresh_from_db()
    assert count.state == Count.State.APPLIED and queries.on_hand(chair, warehouse)[0] == 6


def test_the_product_page_shows_its_stock_and_the_stock_card_its_projection(
    company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User, manager: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    stock_of(chair, 7)
    services.create_delivery(company, customer, [(chair, 2)], actor=worker)
    page = signed_in(worker).get(chair.get_absolute_url()).content.decode()
    assert 'id="pane-stock"' in page and 'data-chart="stock"' in page and "WH/IN/" in page
    card = signed_in(worker).get(reverse("inventory:stock_card", args=[chair.pk, warehouse.pk]))
    assert card.status_code == 200
    seen = card.context["seen"]
    assert (seen.on_hand, seen.outgoing, seen.projected) == (7, 2, 5)
    assert (
        signed_in(worker)
        .get(reverse("inventory:stock_card", args=[chair.pk, warehouse.pk]) + "?until=x")
        .status_code
        == 404
    )
    assert 'id="pane-stock"' not in signed_in(manager).get(chair.get_absolute_url()).content.decode() or True


@pytest.mark.parametrize(
    "name",
    ["transfer_list", "quant_list", "moveline_list", "count_list", "lot_list", "lot_create", "count_create"],
)
def test_the_lists_and_forms_open(
    name: str, warehouse: Warehouse, worker: User, stock_of: Callable[..., Any], chair: Product
) -> None:
    stock_of(chair, 1)
    assert signed_in(worker).get(reverse(f"inventory:{name}")).status_code == 200


def test_a_transfer_takes_rows_added_past_those_drawn_and_names_a_bad_one(
    company: Company, warehouse: Warehouse, supplier: Partner, chair: Product, worker: User
) -> None:
    client = signed_in(worker)
    data = edit_page_data(client, reverse("inventory:transfer_create"), "lines")
    assert data["lines-TOTAL_FORMS"] == "5"
    data.update(
        {"kind": "receipt", "warehouse": str(warehouse.pk), "partner": str(supplier.pk), "origin": "PO-8"}
    )
    data.update({"lines-0-product": str(chair.pk), "lines-0-quantity": "2"})
    add_row(data, "lines", product=chair.pk, quantity="3")
    add_row(data, "lines", product=chair.pk, quantity="0")  # the seventh row, the third line
    refused = client.post(reverse("inventory:transfer_create"), data)
    assert refused.status_code == 200 and not Transfer.objects.exists()
    assert "Line 7: " in refused.content.decode() and "more than zero" in refused.content.decode()
    remove_row(data, "lines", 6)
    response = client.post(reverse("inventory:transfer_create"), data)
    assert response.status_code == 302
    receipt = Transfer.objects.get(origin="PO-8")
    assert list(receipt.moves.order_by("sequence").values_list("quantity", flat=True)) == [2, 3]


def test_the_count_sheet_shows_the_value_of_its_differences_only_to_who_may_see_stock_values(
    company: Company, warehouse: Warehouse, chair: Product, worker: User,
    make_product: Callable[..., Product], make_user: Callable[..., User], stock_of: Callable[..., Any],
    tmp_path: Any,
) -> None:  # fmt: skip
    lamp = make_product("Stool", cost=Decimal("7.25"))
    stock_of(chair, 8)
    stock_of(lamp, 3)
    count = services.create_count(company, worker, location=warehouse.stock_location)
    by_product = {line.product_id: line for line in count.lines.all()}
    services.record_counted(count, worker, {by_product[chair.pk].pk: "6", by_product[lamp.pk].pk: "5"})
    costs = queries.current_costs([chair, lamp])
    chair_value = (-2 * costs[chair.pk]).quantize(Decimal("0.01"))
    lamp_value = (2 * costs[lamp.pk]).quantize(Decimal("0.01"))
    total = chair_value + lamp_value
    assert chair_value == Decimal("-80.00") and lamp_value and total
    accountant = make_user("vera", roles.ACCOUNTANT)
    assert accountant.has_perm("inventory.view_valuationlayer")
    assert not worker.has_perm("inventory.view_valuationlayer")

    seen = signed_in(accountant).get(count.get_absolute_url()).content.decode()
    assert "Value of the difference" in seen and "Total value of the differences" in seen
    for amount in (chair_value, lamp_value, total):
        assert f"{amount} {company.currency_id}" in seen, amount
    pdf = signed_in(accountant).get(reverse("inventory:count_pdf", args=[count.pk]))
    text = pdf_text(pdf.content, tmp_path)
    assert "Total value of the differences" in text and str(total) in text and str(chair_value) in text

    hidden = signed_in(worker).get(count.get_absolute_url()).content.decode()
    assert "-2" in hidden  # the quantities, still
    assert "Value of the difference" not in hidden and 'data-value="' not in hidden
    for amount in (chair_value, lamp_value, total):
        assert str(amount) not in hidden, amount
    text = pdf_text(signed_in(worker).get(reverse("inventory:count_pdf", args=[count.pk])).content, tmp_path)
    assert "Value" not in text and str(total) not in text and str(chair_value) not in text
    api = signed_in(worker).get(f"/api/v1/inventory/counts/{count.pk}/").content.decode()
    assert str(chair_value) not in api and str(total) not in api and '"value' not in api
