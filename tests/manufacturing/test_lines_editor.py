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
