"""Inventory fixtures: a warehouse with a shelf, products of each tracking kind, partners, a worker."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import services
from tandem.inventory.models import Location, Warehouse
from tandem.partners.models import Partner


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("wanda", roles.WAREHOUSE)


@pytest.fixture
def warehouse(company: Company, worker: User) -> Warehouse:
    return services.create_warehouse(company, worker, name="Main warehouse", code="WH")


@pytest.fixture
def shelf(company: Company, warehouse: Warehouse, worker: User) -> Location:
    return services.create_location(
        company, worker, name="Shelf A", parent=warehouse.stock_location, barcode="LOC-A"
    )


@pytest.fixture
def make_product(company: Company, manager: User, pcs: Uom) -> Callable[..., Product]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **fields: Any) -> Product:
        n = next(counter)
        fields.setdefault("uom", pcs)
        fields.setdefault("sku", f"SKU-{n}")
        return create_product(company, manager, name=name or f"Product {n}", **fields)

    return make


@pytest.fixture
def chair(make_product: Callable[..., Product]) -> Product:
    return make_product("Chair", sku="CHAIR", barcode="4006381333931", cost=Decimal("40"))


@pytest.fixture
def fabric(make_product: Callable[..., Product]) -> Product:
    metre = Uom.objects.get(code="m")
    return make_product(
        "Linen fabric", sku="FABRIC", uom=metre, tracking=Product.Tracking.LOT, use_expiry=False
    )


@pytest.fixture
def lamp(make_product: Callable[..., Product]) -> Product:
    return make_product("Lamp", sku="LAMP", tracking=Product.Tracking.SERIAL)


@pytest.fixture
def supplier(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Timber Supplies")


@pytest.fixture
def customer(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Happy Customer")


@pytest.fixture
def stock_of(company: Company, warehouse: Warehouse, supplier: Partner, worker: User) -> Callable[..., Any]:
    """Receive ``quantity`` of ``product`` into the warehouse (or ``location``) and validate it."""

    def receive(
        product: Product, quantity: Any, *, lots: Any = None, location: Location | None = None
    ) -> Any:
        receipt = services.create_transfer(
            company,
            "receipt",
            [(product, quantity)],
            partner=supplier,
            actor=worker,
            warehouse=warehouse,
            dest_location=location,
        )
        move = receipt.moves.get()
        services.validate_transfer(receipt, actor=worker, lots={move.pk: lots} if lots else None)
        return receipt

    return receive
