"""A quotation's lines as the shared lines editor posts them (``web/app.js``, replayed by
``tests.kit.views.add_row`` / ``remove_row``): rows added past those drawn are saved, a removed
line is deleted, a bad row says which line it is and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder
from tests.kit.views import add_row, edit_page_data, remove_row, signed_in
from tests.sales.conftest import quotation

pytestmark = pytest.mark.django_db
D = Decimal


def lines(order: SalesOrder) -> list[tuple[int, Decimal]]:
    return list(order.lines.order_by("sequence", "id").values_list("product_id", "quantity"))


@pytest.fixture
def two_lines(
    company: Company, salesperson: User, customer: Partner, chair: Product, design: Product
) -> SalesOrder:
    return quotation(
        company, salesperson, customer, (chair, "4"), (design, "2"), order_date=timezone.localdate()
    )


def test_rows_added_past_those_drawn_are_saved(
    salesperson: User, two_lines: SalesOrder, chair: Product, design: Product
) -> None:
    client = signed_in(salesperson)
    url = reverse("sales:order_edit", args=[two_lines.pk])
    data = edit_page_data(client, url, "lines")
    assert data["lines-TOTAL_FORMS"] == "5"  # two lines, three empty rows
    add_row(data, "lines", product=design.pk, quantity="7")
    add_row(data, "lines", quantity="1")  # added and left empty: left out
    add_row(data, "lines", product=chair.pk, quantity="1", price_unit="90")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert lines(two_lines) == [(chair.pk, D(4)), (design.pk, D(2)), (design.pk, D(7)), (chair.pk, D(1))]


def test_removing_a_saved_line_deletes_it(salesperson: User, two_lines: SalesOrder, design: Product) -> None:
    client = signed_in(salesperson)
    url = reverse("sales:order_edit", args=[two_lines.pk])
    data = edit_page_data(client, url, "lines")
    remove_row(data, "lines", 0)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert lines(two_lines) == [(design.pk, D(2))]


def test_a_bad_row_says_which_line_and_changes_nothing(
    salesperson: User, two_lines: SalesOrder, chair: Product
) -> None:
    client = signed_in(salesperson)
    url = reverse("sales:order_edit", args=[two_lines.pk])
    before = lines(two_lines)
    data = edit_page_data(client, url, "lines")
    add_row(data, "lines", product=chair.pk, quantity="1", discount="150")  # row 6, the third line
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Line 6: A discount is between 0 and 100 %." in response.content.decode()
    assert response.context["form"].lines.forms[5].non_field_errors() == [
        "A discount is between 0 and 100 %."
    ]
    assert 'name="lines-TOTAL_FORMS" value="6"' in response.content.decode()  # the added row is kept
    assert lines(two_lines) == before
