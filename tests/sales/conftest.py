"""A furniture company selling chairs and desks: books with Polish VAT, a warehouse with stock,
a customer of Sam's (a salesperson), Anna (a sales manager who leads Sam's team, so she sees
his customers and orders) who confirms above the limits."""

from __future__ import annotations

import base64
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tandem.accounting.models import Tax
from tandem.accounting.services import charts, taxes
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.crm import targets
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import SalesOrder

DAY = datetime.date(2026, 3, 10)


def books_with_vat(company: Company) -> Tax:
    """The generic chart and Polish taxes; the 23 % sales VAT."""
    from tandem.accounting.models import Account

    if not Account.objects.filter(company=company).exists():
        charts.install_chart(company, None, "ifrs", today=DAY)
        taxes.install_taxes(company, None, "PL")
    return Tax.objects.filter(company=company, use=Tax.Use.SALE, amount=Decimal(23)).order_by("id").first()  # type: ignore[return-value]


def stocked_warehouse(company: Company, actor: User | None, stock: dict[Product, str]) -> Warehouse:
    found = Warehouse.objects.filter(company=company, code="WH").first()
    warehouse = found or inventory.create_warehouse(company, actor, name="Main warehouse", code="WH")
    if stock:
        inventory.import_opening_stock(
            company,
            actor,
            [
                inventory.OpeningLine(product, warehouse.stock_location, quantity, unit_cost=product.cost)  # type: ignore[arg-type]
                for product, quantity in stock.items()
            ],
        )
    return warehouse


@pytest.fixture
def manager(make_user: Callable[..., User], company: Company, salesperson: User) -> User:
    """Anna, the sales manager who leads the team Sam is in (issue 16: a manager sees the team's)."""
    anna = make_user("anna", roles.SALES_MANAGER)
    targets.create_team(company, None, name="Sales", leader=anna, members=[salesperson])
    return anna


@pytest.fixture
def vat(company: Company) -> Tax:
    return books_with_vat(company)


@pytest.fixture
def chair(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(
        company, admin, name="Oak chair", sku="CH-1", uom=pcs, sales_price=Decimal("100"), cost=Decimal("60")
    )


@pytest.fixture
def design(company: Company, admin: User, pcs: Uom) -> Product:
    return create_product(
        company, admin, name="Interior design hour", sku="SRV-1", uom=pcs, kind="service",
        sales_price=Decimal("80"),
    )  # fmt: skip


@pytest.fixture
def warehouse(company: Company, admin: User, chair: Product) -> Warehouse:
    return stocked_warehouse(company, admin, {chair: "10"})


@pytest.fixture
def customer(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Hotel Wawel", owner=salesperson, email="orders@wawel.example", language="pl")


def quotation(
    company: Company, actor: User | None, partner: Partner, *lines: tuple[Product, str], **fields: Any
) -> SalesOrder:
    tax_list = fields.pop("taxes", None)
    discount = fields.pop("discount", 0)
    return services.create_order(
        company,
        actor,
        partner=partner,
        order_date=fields.pop("order_date", DAY),
        lines=[
            services.OrderLineData(product=p, quantity=q, taxes=tax_list, discount=discount) for p, q in lines
        ],
        **fields,
    )


def signature(size: tuple[int, int] = (300, 100), *, blank: bool = False, kind: str = "PNG") -> str:
    """What the canvas sends: a drawn stroke as a PNG data URL."""
    picture = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(picture).line(
            [(10, 80), (60, 20), (120, 70), (200, 30)], fill=(20, 20, 40, 255), width=3
        )
    out = io.BytesIO()
    picture.save(out, format=kind)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def order(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse, vat: Tax
) -> SalesOrder:
    """A confirmed order of ten chairs at 100 with 23 % VAT: 1,000 untaxed, 1,230 in all."""
    made = quotation(company, salesperson, customer, (chair, "10"), taxes=[vat])
    services.confirm_order(made, salesperson)
    made.refresh_from_db()
    assert made.amount_total == Decimal("1230.00")
    return made


def deliver(order: SalesOrder, admin: User, quantity: int | None = None) -> None:
    """Validate the order's open delivery, all of it or ``quantity``."""
    delivery = Transfer.objects.filter(pk__in=[t.pk for t in queries.open_deliveries(order)]).first()
    assert delivery is not None
    move = delivery.moves.get()
    inventory.validate_transfer(delivery, None if quantity is None else {move.pk: quantity}, admin)
