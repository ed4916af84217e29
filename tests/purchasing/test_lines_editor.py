"""A request for quotation's lines as the shared lines editor posts them: rows added past those
drawn are saved, a removed line is deleted, a bad row is refused on its field and nothing
changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tandem.purchasing.models import PurchaseOrder
from tests.kit.views import add_row, edit_page_data, remove_row, signed_in
from tests.purchasing.conftest import order_of

pytestmark = pytest.mark.django_db
D = Decimal


def lines(order: PurchaseOrder) -> list[tuple[int, Decimal]]:
    return list(order.lines.order_by("sequence", "id").values_list("product_id", "quantity"))


@pytest.fixture
def rfq(
    company: Company, purchaser: User, timber_co: Partner, oak: Product, design: Product
) -> PurchaseOrder:
    return order_of(company, purchaser, timber_co, (oak, "100", "12"), (design, "3", "50"))


def test_rows_added_past_those_drawn_are_saved(
    purchaser: User, rfq: PurchaseOrder, oak: Product, design: Product
) -> None:
    client = signed_in(purchaser)
    url = reverse("purchasing:order_edit", args=[rfq.pk])
    data = edit_page_data(client, url, "lines")
    assert data["lines-TOTAL_FORMS"] == "5"
    add_row(data, "lines", product=oak.pk, quantity="5", price_unit="11")
    add_row(data, "lines", product=design.pk, quantity="1", price_unit="40")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert lines(rfq) == [(oak.pk, D(100)), (design.pk, D(3)), (oak.pk, D(5)), (design.pk, D(1))]


def test_removing_a_saved_line_deletes_it(purchaser: User, rfq: PurchaseOrder, oak: Product) -> None:
    client = signed_in(purchaser)
    url = reverse("purchasing:order_edit", args=[rfq.pk])
    data = edit_page_data(client, url, "lines")
    remove_row(data, "lines", 1)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].lines.errors
    assert lines(rfq) == [(oak.pk, D(100))]


def test_a_bad_row_is_refused_on_its_field_and_changes_nothing(
    purchaser: User, rfq: PurchaseOrder, oak: Product
) -> None:
    client = signed_in(purchaser)
    url = reverse("purchasing:order_edit", args=[rfq.pk])
    before = lines(rfq)
    data = edit_page_data(client, url, "lines")
    remove_row(data, "lines", 0)
    add_row(data, "lines", product=oak.pk, quantity="")  # a product and no quantity
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].lines.errors
    assert errors[4] == {"quantity": ["This field is required."]} and not any(errors[:4])
    assert lines(rfq) == before
