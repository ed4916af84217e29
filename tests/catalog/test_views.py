"""Product pages: list, detail with price-list rows and history, forms that refuse bad input inline.

The pages every model has come from the kit's declared cases; below, the product's own stories.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Category, Product
from tandem.catalog.services import (
    create_category,
    create_price_list,
    create_product,
    set_price,
    update_product,
)
from tandem.core import roles
from tandem.core.models import Company, Currency, Uom, User
from tests.kit.records import Kit
from tests.kit.views import ViewCases
from tests.web.support import signed_in


class TestProductPages(ViewCases):
    model = Product
    namespace = "catalog"
    reader_role = roles.SALESPERSON
    create_data = {"kind": "goods", "name": "Pine table", "sku": "TB-1", "sales_price": "349.00", "cost": "0"}
    edit_changes = {
        "name": "Pine table, oiled", "sales_price": Decimal("139.90"), "weight": Decimal("18.5"),
        "volume": Decimal("0.32"),
    }  # fmt: skip
    stale_changes = {"name": "Pine table (stale)"}
    bad_input = [({"barcode": "4006381333932"}, "barcode"), ({"name": ""}, "name"),
                 ({"sales_price": "-1"}, "sales_price"), ({"weight": "-2"}, "weight"),
                 ({"volume": "0.00001"}, "volume")]  # fmt: skip

    def make(self, company: Company, actor: User | None, **fields: Any) -> Product:
        number = next(self._usernames)
        fields.setdefault("name", f"Product {number}")
        return create_product(company, actor, sku=f"SKU-{number}", uom=Uom.objects.get(code="pcs"), **fields)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "uom": str(Uom.objects.get(code="pcs").pk)}


@pytest.fixture
def login() -> Callable[[User], Client]:
    return signed_in


@pytest.fixture
def chairs(company: Company, manager: User) -> Category:
    return create_category(company, manager, name="Chairs")


@pytest.fixture
def chair(company: Company, manager: User, pcs: Uom, chairs: Category) -> Product:
    return create_product(
        company, manager, name="Oak chair", sku="CH-1", barcode="4006381333931", uom=pcs, category=chairs,
        sales_price=Decimal("129.90"),
    )  # fmt: skip


def _form(product: Product | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "goods", "name": "", "sku": "", "sales_price": "0", "cost": "0"}
    if product is not None:
        data.update(
            kind=product.kind, name=product.name, sku=product.sku, barcode=product.barcode,
            category=product.category_id or "", uom=product.uom_id, sales_price=product.sales_price,
            cost=product.cost, active="on" if product.active else "", version=product.version,
        )  # fmt: skip
    data.update(changes)
    return data


def test_list_shows_products_with_filters_and_search(
    login: Callable[[User], Client],
    salesperson: User,
    chair: Product,
    company: Company,
    manager: User,
    pcs: Uom,
) -> None:
    create_product(company, manager, name="Consulting hour", sku="SRV-1", uom=pcs, kind="service")
    client = login(salesperson)
    page = client.get(reverse("catalog:list")).content.decode()
    assert "Oak chair" in page and "CH-1" in page and "4006381333931" in page and "Chairs" in page

    def names(**params: Any) -> list[str]:
        return [obj.name for obj, _cells in client.get(reverse("catalog:list"), params).context["rows"]]

    assert names(kind="service") == ["Consulting hour"]
    assert names(category=chair.category_id) == ["Oak chair"]
    assert names(search="CH-") == ["Oak chair"]
    assert names(search="4006381333931") == ["Oak chair"]
    assert names(search="consult") == ["Consulting hour"]


def test_duplicate_sku_is_shown_on_the_field(
    login: Callable[[User], Client], manager: User, chair: Product, pcs: Uom
) -> None:
    response = login(manager).post(reverse("catalog:create"), _form(name="Another", sku="CH-1", uom=pcs.pk))
    assert 'id="id_sku_errors"' in response.content.decode()
    assert Product.objects.count() == 1


def test_detail_shows_price_list_rows_and_history(
    login: Callable[[User], Client], manager: User, chair: Product, company: Company, eur: Currency
) -> None:
    wholesale = create_price_list(company, manager, name="Wholesale", currency=eur)
    set_price(wholesale, manager, product=chair, price="99.50", min_quantity="10")
    update_product(chair, manager, sales_price="149.00")
    page = login(manager).get(reverse("catalog:detail", args=[chair.pk])).content.decode()
    prices = page[page.index('id="pane-prices"') :]
    assert "Wholesale" in prices and "99.5" in prices
    history = page[page.index('id="pane-history"') :]
    assert "Sales price" in history and "149" in history


def test_create_a_category(login: Callable[[User], Client], manager: User, chairs: Category) -> None:
    response = login(manager).post(
        reverse("catalog:category_create"), {"name": "Armchairs", "parent": chairs.pk}
    )
    category = Category.objects.get(name="Armchairs")
    assert category.path == "Chairs / Armchairs"
    assert response["Location"] == f"{reverse('catalog:list')}?category={category.pk}"
    again = login(manager).post(
        reverse("catalog:category_create"), {"name": "Armchairs", "parent": chairs.pk}
    )
    assert "already exists" in again.content.decode()


def test_prices_follow_the_slovenian_format_on_every_tab(
    login: Callable[[User], Client], manager: User, chair: Product, company: Company, eur: Currency
) -> None:
    wholesale = create_price_list(company, manager, name="Wholesale", currency=eur)
    set_price(wholesale, manager, product=chair, price="1234.5", min_quantity="1000")
    update_product(chair, manager, sales_price="2499.90")
    manager.language = "sl"
    manager.save()
    page = login(manager).get(reverse("catalog:detail", args=[chair.pk])).content.decode()
    details, prices = page[: page.index('id="pane-prices"')], page[page.index('id="pane-prices"') :]
    assert "2.499,90" in details
    assert "1.234,50 EUR" in prices and "1.000" in prices
    assert "1.234,5 " not in prices
