"""“The price of product P for partner C, quantity Q, on date D.”"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.catalog.models import Product
from tandem.catalog.queries import price_for
from tandem.catalog.services import create_price_list, create_product, set_price
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency, ExchangeRate, Uom, User
from tandem.partners.models import CustomerGroup, Partner

D = datetime.date


@pytest.fixture
def chair(company: Company, manager: User, pcs: Uom) -> Product:
    return create_product(
        company, manager, name="Oslo chair", sku="CH-1", uom=pcs, sales_price=Decimal("100")
    )


@pytest.fixture
def wholesale(company: Company) -> CustomerGroup:
    return CustomerGroup.objects.create(company=company, name="Wholesale")


def test_without_price_lists_the_sales_price_applies(chair: Product) -> None:
    price = price_for(chair, None, Decimal(1), D(2026, 1, 1))
    assert (price.unit_price, price.currency.code, price.price_list) == (Decimal("100"), "EUR", None)


def test_group_list_beats_general_list_and_quantity_breaks_apply(
    company: Company,
    manager: User,
    chair: Product,
    wholesale: CustomerGroup,
    make_partner: Callable[..., Partner],
    eur: Currency,
) -> None:
    general = create_price_list(company, manager, name="EUR list", currency=eur)
    set_price(general, manager, product=chair, price="95")
    group_list = create_price_list(company, manager, name="Wholesale", currency=eur, customer_group=wholesale)
    set_price(group_list, manager, product=chair, price="90")
    set_price(group_list, manager, product=chair, price="80", min_quantity=10)
    retail = make_partner("Retail shop")
    trader = make_partner("Big trader", group=wholesale)
    on = D(2026, 3, 1)
    assert price_for(chair, retail, Decimal(50), on).unit_price == Decimal("95")
    assert price_for(chair, trader, Decimal(9), on).unit_price == Decimal("90")
    assert price_for(chair, trader, Decimal(10), on).unit_price == Decimal("80")


def test_dated_prices_apply_only_within_their_validity(
    company: Company, manager: User, chair: Product, eur: Currency
) -> None:
    spring = create_price_list(company, manager, name="Spring", currency=eur)
    set_price(spring, manager, product=chair, price="85", valid_from=D(2026, 3, 1), valid_to=D(2026, 5, 31))
    assert price_for(chair, None, Decimal(1), D(2026, 2, 28)).unit_price == Decimal("100")
    assert price_for(chair, None, Decimal(1), D(2026, 3, 1)).unit_price == Decimal("85")
    assert price_for(chair, None, Decimal(1), D(2026, 5, 31)).unit_price == Decimal("85")
    assert price_for(chair, None, Decimal(1), D(2026, 6, 1)).unit_price == Decimal("100")


def test_partner_currency_selects_that_currency_list_or_converts(
    company: Company, manager: User, chair: Product, make_partner: Callable[..., Partner], eur: Currency
) -> None:
    pln = Currency.objects.get(code="PLN")
    ExchangeRate.objects.create(base=eur, quote=pln, date=D(2026, 1, 1), rate=Decimal("4.2537"))
    polish = make_partner("Meble Kowalski", currency=pln)
    converted = price_for(chair, polish, Decimal(1), D(2026, 2, 1))
    assert (converted.unit_price, converted.currency.code) == (Decimal("425.37"), "PLN")
    pln_list = create_price_list(company, manager, name="PLN list", currency=pln)
    set_price(pln_list, manager, product=chair, price="399")
    assert price_for(chair, polish, Decimal(1), D(2026, 2, 1)).unit_price == Decimal("399")


def test_bad_price_rows_are_refused(company: Company, manager: User, chair: Product, eur: Currency) -> None:
    price_list = create_price_list(company, manager, name="EUR", currency=eur)
    with pytest.raises(ValidationFailed) as error:
        set_price(
            price_list, manager, product=chair, price="-1", valid_from=D(2026, 5, 1), valid_to=D(2026, 4, 1)
        )
    assert set(error.value.errors) == {"price", "valid_to"}
    assert not price_list.items.exists()
