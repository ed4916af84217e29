"""A bill of materials' components as the shared lines editor posts them: rows added past those
drawn are saved, a removed component is deleted, a bad row says which line it is and nothing
changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.core.models import Uom
from tandem.manufacturing.models import Bom
from tests.kit.views import add_row, edit_page_data, remove_row, signed_in
from tests.manufacturing.conftest import Workshop

pytestmark = pytest.mark.django_db
D = Decimal


def components(bom: Bom) -> list[tuple[str, Decimal]]:
    return list(bom.lines.order_by("sequence", "id").values_list("product__sku", "quantity"))


def test_rows_added_past_those_drawn_are_saved_and_a_removed_component_is_deleted(workshop: Workshop) -> None:
    bom, p = workshop.boms["kit"], workshop.products
    client = signed_in(workshop.planner)
    url = reverse("manufacturing:bom_edit", args=[bom.pk])
    data = edit_page_data(client, url, "lines", "byproducts")
    assert data["lines-TOTAL_FORMS"] == "5"  # screws, brackets and three empty rows
    remove_row(data, "lines", 0)  # the screws
    add_row(data, "lines", product=p["foam"].pk, quantity="1")
    add_row(data, "lines", product=p["fabric"].pk, quantity="0.5")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert components(bom) == [("BRK", D(2)), ("FOAM", D(1)), ("FAB", D("0.5"))]


def test_a_bad_row_says_which_line_and_changes_nothing(workshop: Workshop) -> None:
    bom, p = workshop.boms["kit"], workshop.products
    before = components(bom)
    client = signed_in(workshop.planner)
    url = reverse("manufacturing:bom_edit", args=[bom.pk])
    data = edit_page_data(client, url, "lines", "byproducts")
    add_row(data, "lines", product=p["screw"].pk, quantity="3", uom=Uom.objects.get(code="kg").pk)
    response = client.post(url, data)
    assert response.status_code == 200
    message = "Kilogram cannot measure Screw, which is counted in Piece."
    page = response.content.decode()
    assert f"Line 6: {message}" in page, response.context["form"].non_field_errors()
    assert response.context["form"].lines.forms[5].non_field_errors() == [message]
    assert components(bom) == before


def operations(workshop: Workshop) -> list[tuple[str, str]]:
    routing = workshop.routings["frame"]
    return list(routing.operations.order_by("sequence", "id").values_list("name", "work_centre__code"))


def test_a_routings_operations_are_added_removed_and_a_bad_one_named(workshop: Workshop) -> None:
    routing, centres = workshop.routings["frame"], workshop.centres
    client = signed_in(workshop.planner)
    url = reverse("manufacturing:routing_edit", args=[routing.pk])
    data = edit_page_data(client, url, "operations")
    remove_row(data, "operations", 0)  # Cut
    add_row(data, "operations", work_centre=centres["CUT"].pk, run_minutes="5")  # no name
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Line 5: Name the operation." in refused.content.decode()
    assert operations(workshop) == [("Cut", "CUT"), ("Join", "JOIN")]

    data["operations-4-name"] = "Trim"
    add_row(data, "operations", name="Sand", work_centre=centres["FIN"].pk, run_minutes="3")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].operations.errors
    assert operations(workshop) == [("Join", "JOIN"), ("Trim", "CUT"), ("Sand", "FIN")]
