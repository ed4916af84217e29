"""The deal form edits the products of interest with their quantities, in rows below the deal's
fields (``web/_form_rows.html``); bad rows get a clear message and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product, update_product
from tandem.core.models import Company, Event, Uom, User
from tandem.crm.models import Deal, DealProduct
from tests.kit.views import form_data, signed_in

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def chair(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(company, admin, name="Oak chair", sku="CH-1", uom=pcs, sales_price=D(100))


@pytest.fixture
def desk(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(company, admin, name="Pine desk", sku="DK-1", uom=pcs, sales_price=D(300))


@pytest.fixture
def deal(make_deal: Callable[..., Deal], chair: Product) -> Deal:
    return make_deal(products=[(chair, "3")])


def edit_form(client: Client, deal: Deal) -> dict[str, Any]:
    """The edit form as the browser would post it untouched: the deal's fields and its rows."""
    response = client.get(reverse("crm:deal_edit", args=[deal.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data = form_data(form)
    rows = form.products
    data.update({f"products-{key}": value for key, value in form_data(rows.management_form).items()})
    for row in rows.forms:
        data.update({f"{row.prefix}-{key}": value for key, value in form_data(row).items()})
    return data


def interests(deal: Deal) -> list[tuple[int, Decimal]]:
    return list(DealProduct.objects.filter(deal=deal).values_list("product_id", "quantity"))


def test_the_edit_page_shows_a_row_per_product_with_its_quantity_and_empty_rows(
    salesperson: User, deal: Deal, chair: Product
) -> None:
    page = signed_in(salesperson).get(reverse("crm:deal_edit", args=[deal.pk])).content.decode()
    assert 'id="products-rows"' in page and 'name="products-TOTAL_FORMS" value="3"' in page
    assert f'<option value="{chair.pk}" selected>' in page
    assert 'name="products-0-quantity" value="3.0000"' in page
    assert 'name="products-1-quantity" value="1"' in page  # an empty row offers one


def test_adding_changing_and_removing_products_with_quantities(
    salesperson: User, deal: Deal, chair: Product, desk: Product
) -> None:
    client = signed_in(salesperson)
    data = edit_form(client, deal)
    data.update(
        {"products-0-quantity": "5", "products-1-product": str(desk.pk), "products-1-quantity": "2.5"}
    )
    response = client.post(reverse("crm:deal_edit", args=[deal.pk]), data)
    assert response.status_code == 302, response.context["form"].products.errors
    assert interests(deal) == [(chair.pk, D(5)), (desk.pk, D("2.5"))]
    changed = Event.objects.filter(name="deal.products_changed").order_by("-id").first()
    assert changed is not None and changed.data["products"] == [["CH-1", "5"], ["DK-1", "2.5"]]

    data = edit_form(client, deal)
    data["products-0-product"] = ""  # "—": the chair is taken off the deal
    assert client.post(reverse("crm:deal_edit", args=[deal.pk]), data).status_code == 302
    assert interests(deal) == [(desk.pk, D("2.5"))]
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert "Pine desk" in page and "2.5" in page


def test_a_new_deal_takes_its_products_from_the_form(
    salesperson: User, customer: Any, chair: Product, desk: Product, pipeline: Any
) -> None:
    client = signed_in(salesperson)
    data = {
        "title": "Office fit-out", "partner": str(customer.pk), "amount": "900",
        "products-TOTAL_FORMS": "2", "products-INITIAL_FORMS": "0",
        "products-0-product": str(chair.pk), "products-0-quantity": "6",
        "products-1-product": str(chair.pk), "products-1-quantity": "1",  # the same twice adds up
    }  # fmt: skip
    response = client.post(reverse("crm:deal_create"), data)
    assert response.status_code == 302
    deal = Deal.objects.get(title="Office fit-out")
    assert interests(deal) == [(chair.pk, D(7))]


def test_a_post_without_the_rows_leaves_the_products_alone(
    salesperson: User, deal: Deal, chair: Product
) -> None:
    client = signed_in(salesperson)
    data = {k: v for k, v in edit_form(client, deal).items() if not k.startswith("products-")}
    data["title"] = "Chairs, renamed"
    assert client.post(reverse("crm:deal_edit", args=[deal.pk]), data).status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Chairs, renamed" and interests(deal) == [(chair.pk, D(3))]


def _refused(client: Client, deal: Deal, changes: dict[str, str], message: str) -> None:
    data = {**edit_form(client, deal), "title": "Changed", **changes}
    events = Event.objects.count()
    response = client.post(reverse("crm:deal_edit", args=[deal.pk]), data)
    assert response.status_code == 200, changes
    assert message in response.content.decode(), (changes, response.content.decode()[-3000:])
    deal.refresh_from_db()
    assert deal.title != "Changed" and Event.objects.count() == events


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Enter a quantity above zero."),
        ("-2", "Enter a quantity above zero."),
        ("many", "Enter a number."),
        ("NaN", "Enter a number."),
        ("1e400", "Ensure that there are no more than"),
        ("0.00001", "Ensure that there are no more than 4 decimal places."),
    ],
)
def test_a_bad_quantity_is_refused_with_a_message_and_nothing_written(
    salesperson: User, deal: Deal, chair: Product, desk: Product, quantity: str, message: str
) -> None:
    client = signed_in(salesperson)
    _refused(client, deal, {"products-1-product": str(desk.pk), "products-1-quantity": quantity}, message)
    assert interests(deal) == [(chair.pk, D(3))]


def test_a_product_of_another_company_an_archived_one_or_a_made_up_id_is_refused(
    salesperson: User,
    deal: Deal,
    chair: Product,
    desk: Product,
    other_company: Company,
    admin: User,
    pcs: Uom,
) -> None:
    client = signed_in(salesperson)
    theirs = create_product(other_company, admin, name="Their chair", sku="X-1", uom=pcs)
    update_product(desk, admin, active=False)
    for product in (str(theirs.pk), str(desk.pk), "999999", "1 OR 1=1", "<script>alert(1)</script>"):
        _refused(
            client,
            deal,
            {"products-1-product": product, "products-1-quantity": "1"},
            "Choose one of your company&#x27;s active products.",
        )
    assert interests(deal) == [(chair.pk, D(3))]


def test_hostile_row_counts_are_refused(salesperson: User, deal: Deal, chair: Product, desk: Product) -> None:
    client = signed_in(salesperson)
    many = {f"products-{i}-product": str(desk.pk) for i in range(3, 150)}
    _refused(client, deal, {"products-TOTAL_FORMS": "150", **many}, "At most 100 rows can be saved.")
    for total in ("-1", "x", "99999999999"):
        data = {**edit_form(client, deal), "title": "Changed", "products-TOTAL_FORMS": total}
        response = client.post(reverse("crm:deal_edit", args=[deal.pk]), data)
        assert response.status_code == 200, total
        deal.refresh_from_db()
        assert deal.title != "Changed"
    assert interests(deal) == [(chair.pk, D(3))]


def test_an_archived_product_the_deal_has_keeps_its_row(
    salesperson: User, deal: Deal, chair: Product, admin: User
) -> None:
    update_product(chair, admin, active=False)
    client = signed_in(salesperson)
    data = {**edit_form(client, deal), "products-0-quantity": "4"}
    assert client.post(reverse("crm:deal_edit", args=[deal.pk]), data).status_code == 302
    assert interests(deal) == [(chair.pk, D(4))]
