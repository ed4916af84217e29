"""A furniture company buying timber and fabric: suppliers with prices, a purchaser, approvers."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Currency, Uom, User
from tandem.partners.models import Partner
from tandem.purchasing import services
from tandem.purchasing.models import ApprovalLevel, PurchaseOrder

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def purchaser(make_user: Callable[..., User]) -> User:
    return make_user("paula", roles.PURCHASER, email="paula@example.com")


@pytest.fixture
def warehouse(make_user: Callable[..., User]) -> User:
    return make_user("walter", roles.WAREHOUSE)


@pytest.fixture
def buyer_manager(make_user: Callable[..., User]) -> User:
    return make_user("mia", roles.PURCHASER, email="mia@example.com")


@pytest.fixture
def director(make_user: Callable[..., User]) -> User:
    return make_user("dora", roles.PURCHASER, email="dora@example.com")


@pytest.fixture
def chain(company: Company, admin: User, buyer_manager: User, director: User) -> list[ApprovalLevel]:
    """Purchaser → manager (from 1,000) → director (from 10,000)."""
    return [
        services.create_approval_level(
            company, admin, name="Manager", min_amount="1000", approver=buyer_manager
        ),
        services.create_approval_level(
            company, admin, name="Director", min_amount="10000", approver=director
        ),
    ]


@pytest.fixture
def make_supplier(make_partner: Callable[..., Partner]) -> Callable[..., Partner]:
    def make(name: str, **fields: Any) -> Partner:
        fields.setdefault("email", f"{name.split()[0].lower()}@example.com")
        return make_partner(name, is_supplier=True, is_customer=False, **fields)

    return make


@pytest.fixture
def timber_co(make_supplier: Callable[..., Partner]) -> Partner:
    return make_supplier("Timber Co", language="pl")


@pytest.fixture
def fast_wood(make_supplier: Callable[..., Partner]) -> Partner:
    return make_supplier("Fast Wood")


@pytest.fixture
def oak(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(company, admin, name="Oak board", sku="OAK-1", uom=pcs, cost=Decimal("10"))


@pytest.fixture
def design(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(company, admin, name="Design hour", sku="SRV-D", uom=pcs, kind="service")


@pytest.fixture
def prices(
    company: Company, admin: User, timber_co: Partner, fast_wood: Partner, oak: Product, eur: Currency
) -> None:
    services.create_supplier_price(
        company, admin, partner=timber_co, product=oak, price="12.00", lead_time_days=10
    )
    services.create_supplier_price(
        company, admin, partner=timber_co, product=oak, price="10.50", min_quantity="100", lead_time_days=10
    )
    services.create_supplier_price(
        company, admin, partner=fast_wood, product=oak, price="13.00", lead_time_days=2
    )


def order_of(
    company: Company, actor: User, partner: Partner, *lines: tuple[Product, str, str | None]
) -> PurchaseOrder:
    return services.create_order(
        company,
        actor,
        partner=partner,
        order_date=DAY,
        lines=[services.OrderLineData(product=p, quantity=q, price_unit=price) for p, q, price in lines],
    )
