"""Products, categories and price lists through the API; amounts travel as decimal strings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.catalog.services import create_price_list, create_product, set_price
from tandem.core import roles
from tandem.core.models import Company, Currency, Event, Uom, User
from tandem.partners.models import CustomerGroup, Partner
from tests.api.conftest import CATEGORIES, PRICE_LISTS, PRODUCTS, assert_problem, detail
from tests.kit.api import ApiAction, ApiCases


class TestProductApi(ApiCases):
    model = Product
    collection = PRODUCTS
    reader_role = roles.SALESPERSON
    create_body = {"name": "Oslo chair", "sku": "CH-1", "uom": "pcs"}
    update_body = {"sales_price": "12.50", "name": "Oslo chair, oiled"}
    stale_body = {"name": "Oslo chair (stale)"}
    bad_bodies = [
        ({"barcode": "4006381333932"}, "barcode"),
        ({"sales_price": "-1"}, "sales_price"),
        ({"cost": -5}, "cost"),
        ({"sales_price": "12,50"}, "sales_price"),
        ({"sales_price": "1.2.3"}, "sales_price"),
        ({"sales_price": "NaN"}, "sales_price"),
        ({"sales_price": "Infinity"}, "sales_price"),
        ({"sales_price": "1e400"}, "sales_price"),
        ({"sales_price": "0.00001"}, "sales_price"),
        ({"sales_price": True}, "sales_price"),
        ({"uom": "parsecs"}, "uom"),
        ({"category": 987_654}, "category"),
        ({"kind": "magic"}, "kind"),
        ({"sku": ""}, "sku"),
        ({"weight": "-3"}, "weight"),
        ({"volume": "0.00001"}, "volume"),
    ]
    actions = [ApiAction("price", lambda kit, product: {"quantity": "2"}, method="get")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Product:
        number = next(self._usernames)
        fields.setdefault("name", f"Product {number}")
        return create_product(company, actor, sku=f"SKU-{number}", uom=Uom.objects.get(code="pcs"), **fields)


def _create(client: APIClient, **fields: Any) -> Any:
    body = {"name": "Oslo chair", "sku": "CH-1", "uom": "pcs", **fields}
    return client.post(PRODUCTS, body, format="json")


def test_create_product_through_the_service_with_decimal_strings(
    manager_api: APIClient, manager: User
) -> None:
    response = _create(manager_api, sales_price="129.90", cost=Decimal("80.5"), barcode="4006381333931")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sales_price"], body["cost"], body["uom"], body["barcode"]) == (
        "129.9000",
        "80.5000",
        "pcs",
        "4006381333931",
    )
    product = Product.objects.get(pk=body["id"])
    assert product.sales_price == Decimal("129.90")
    assert Event.objects.get(name="product.created").actor == manager


def test_a_json_number_is_read_exactly_never_through_a_float(manager_api: APIClient) -> None:
    raw = '{"name": "Desk", "sku": "D-1", "uom": "pcs", "sales_price": 12345678901234.1234}'
    response = manager_api.post(PRODUCTS, raw, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["sales_price"] == "12345678901234.1234"
    if connection.vendor == "postgresql":  # SQLite keeps a decimal column as REAL (~15 digits)
        assert Product.objects.get().sales_price == Decimal("12345678901234.1234")


def test_a_second_product_with_the_same_sku_is_refused(manager_api: APIClient) -> None:
    assert _create(manager_api).status_code == 201
    assert_problem(_create(manager_api, name="Other chair"), 400, "sku")
    assert Product.objects.count() == 1


def test_product_filters(manager_api: APIClient, make_product: Callable[..., Product], company: Company,
                         manager: User) -> None:  # fmt: skip
    from tandem.catalog.services import create_category

    chairs = create_category(company, manager, name="Chairs")
    make_product(name="Oslo chair", sku="CH-1", category=chairs, barcode="4006381333931")
    make_product(name="Desk", sku="D-1", kind="consumable")
    make_product(name="Assembly", sku="SRV-1", kind="service", active=False)

    def names(**query: Any) -> list[str]:
        response = manager_api.get(PRODUCTS, query)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names(search="osl") == ["Oslo chair"]
    assert names(search="D-") == ["Desk"]
    assert names(category=chairs.pk) == ["Oslo chair"]
    assert names(sku="D-1") == ["Desk"]
    assert names(barcode="4006381333931") == ["Oslo chair"]
    assert names(kind="service") == ["Assembly"]
    assert names(active="true") == ["Desk", "Oslo chair"]
    assert names(ordering="name_key") == ["Assembly", "Desk", "Oslo chair"]


# --- the price of a product for a customer ---------------------------------------------


@pytest.fixture
def chair(make_product: Callable[..., Product]) -> Product:
    return make_product(name="Oslo chair", sku="CH-1", sales_price=Decimal("100"))


def _price(client: APIClient, product: Product, **query: Any) -> dict[str, Any]:
    response = client.get(f"{detail(PRODUCTS, product.pk)}price/", query)
    assert response.status_code == 200, response.content
    return dict(response.json())


def test_price_with_quantity_breaks_and_a_customer_group(
    sales_api: APIClient,
    salesperson: User,
    company: Company,
    manager: User,
    chair: Product,
    eur: Currency,
    make_partner: Callable[..., Partner],
) -> None:
    wholesale = CustomerGroup.objects.create(company=company, name="Wholesale")
    general = create_price_list(company, manager, name="EUR list", currency=eur)
    set_price(general, manager, product=chair, price="95")
    group_list = create_price_list(company, manager, name="Wholesale", currency=eur, customer_group=wholesale)
    set_price(group_list, manager, product=chair, price="90")
    ten_up = set_price(group_list, manager, product=chair, price="80", min_quantity=10)
    retail = make_partner("Retail customer", owner=salesperson)
    trader = make_partner("Trader", group=wholesale, owner=salesperson)

    assert _price(sales_api, chair)["unit_price"] == "95.0000"
    assert _price(sales_api, chair, partner=retail.pk, quantity="50")["unit_price"] == "95.0000"
    assert _price(sales_api, chair, partner=trader.pk, quantity="9.5")["unit_price"] == "90.0000"
    answer = _price(sales_api, chair, partner=trader.pk, quantity="10", date="2026-06-01")
    assert answer == {
        "product": chair.pk,
        "partner": trader.pk,
        "quantity": "10.0000",
        "date": "2026-06-01",
        "unit_price": "80.0000",
        "currency": "EUR",
        "price_list": group_list.pk,
        "price_list_item": ten_up.pk,
    }


def test_price_query_is_validated_and_scoped(
    sales_api: APIClient, chair: Product, other_salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    hidden = make_partner("Sofia's customer", owner=other_salesperson)
    url = f"{detail(PRODUCTS, chair.pk)}price/"
    assert_problem(sales_api.get(url, {"quantity": "0"}), 400, "quantity")
    assert_problem(sales_api.get(url, {"quantity": "many"}), 400, "quantity")
    assert_problem(sales_api.get(url, {"date": "31.12.2026"}), 400, "date")
    assert_problem(sales_api.get(url, {"partner": hidden.pk}), 400, "partner")
    assert_problem(sales_api.get(url, {"currency": "USD"}), 400)  # no USD rate: a business error


# --- categories and price lists ---------------------------------------------------------


def test_categories_and_price_lists_are_created_through_services(
    manager_api: APIClient, chair: Product
) -> None:
    parent = manager_api.post(CATEGORIES, {"name": "Furniture"}, format="json")
    assert parent.status_code == 201, parent.content
    child = manager_api.post(CATEGORIES, {"name": "Chairs", "parent": parent.json()["id"]}, format="json")
    assert child.json()["path"] == "Furniture / Chairs"
    assert_problem(manager_api.post(CATEGORIES, {"name": "Furniture"}, format="json"), 409)

    created = manager_api.post(PRICE_LISTS, {"name": "Retail", "currency": "EUR"}, format="json")
    assert created.status_code == 201, created.content
    prices = f"{detail(PRICE_LISTS, created.json()['id'])}prices/"
    item = manager_api.post(
        prices, {"product": chair.pk, "price": "99.90", "min_quantity": "5"}, format="json"
    )
    assert item.status_code == 201, item.content
    assert (item.json()["price"], item.json()["min_quantity"]) == ("99.9000", "5.0000")
    assert [row["id"] for row in manager_api.get(prices).json()["results"]] == [item.json()["id"]]
    assert_problem(
        manager_api.post(prices, {"product": chair.pk, "price": "-1"}, format="json"), 400, "price"
    )
    assert PriceListItem.objects.count() == 1
    assert {"category.created", "pricelist.created", "pricelist.price_set"} <= set(
        Event.objects.values_list("name", flat=True)
    )
    assert Category.objects.count() == 2 and PriceList.objects.count() == 1


def test_a_salesperson_may_read_price_lists_but_not_add_prices(
    sales_api: APIClient, company: Company, manager: User, eur: Currency, chair: Product
) -> None:
    price_list = create_price_list(company, manager, name="Retail", currency=eur)
    prices = f"{detail(PRICE_LISTS, price_list.pk)}prices/"
    assert sales_api.get(prices).status_code == 200
    assert_problem(sales_api.post(prices, {"product": chair.pk, "price": "1"}, format="json"), 403)
    assert not PriceListItem.objects.exists()


def test_adding_a_price_honours_if_match_on_the_price_list(
    manager_api: APIClient, company: Company, manager: User, eur: Currency, chair: Product
) -> None:
    price_list = create_price_list(company, manager, name="Retail", currency=eur)
    url = detail(PRICE_LISTS, price_list.pk)
    read = manager_api.get(url)["ETag"]
    set_price(price_list, manager, product=chair, price="10")  # someone else adds a price meanwhile
    body = {"product": chair.pk, "price": "12.00"}
    assert_problem(manager_api.post(f"{url}prices/", body, format="json", HTTP_IF_MATCH=read), 412)
    assert PriceListItem.objects.count() == 1
    current = manager_api.get(url)["ETag"]
    assert current != read
    added = manager_api.post(f"{url}prices/", body, format="json", HTTP_IF_MATCH=current)
    assert added.status_code == 201, added.content
    assert manager_api.get(url)["ETag"] != current  # a price added is a change of the list
    schema = manager_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = schema["paths"]["/api/v1/catalog/price-lists/{id}/prices/"]

    def headers(method: str) -> set[str]:
        return {p["name"] for p in operations[method].get("parameters", []) if p["in"] == "header"}

    assert "If-Match" in headers("post") and "If-Match" not in headers("get")
