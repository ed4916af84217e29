"""Profitability computed by hand: an order of 5 chairs (cost 60, sold at 100 less 10 %) and 2
hours of design (80), delivered, invoiced and posted; one chair comes back and is credited.

    revenue   5 × 90 + 2 × 80 − 1 × 90          = 520.00
    discounts 5 × 10 − 1 × 10                    =  40.00   (gross 560.00)
    cost      5 × 60 − 1 × 60                    = 240.00
    margin    520 − 240                          = 280.00   (53.8 %)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.accounting.models import Invoice, Tax
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import SalesOrder
from tandem.sales.queries import profit
from tests.sales.conftest import DAY, quotation

pytestmark = pytest.mark.django_db
D = Decimal


def sold(
    company: Company, actor: User, customer: Partner, chair: Product, design: Product, vat: Tax
) -> tuple[SalesOrder, Invoice, Invoice]:
    """The order of the module's story, its invoice and the credit note of the returned chair."""
    order = services.create_order(
        company,
        actor,
        partner=customer,
        order_date=DAY,
        lines=[
            services.OrderLineData(chair, "5", taxes=[vat], discount=10),
            services.OrderLineData(design, "2", taxes=[vat]),
        ],
    )
    services.confirm_order(order, actor)
    delivery = Transfer.objects.get(pk=order.delivery_id)
    inventory.validate_transfer(delivery, None, actor)
    invoice = accounting.post_invoice(services.invoice_order(order, actor, invoice_date=DAY), actor)
    back = inventory.create_return(delivery, actor, {delivery.moves.get().pk: D(1)})
    inventory.validate_transfer(back, None, actor)
    note = accounting.credit_note(invoice, actor, date=datetime.date(2026, 4, 9))
    chairs = [line for line in note.lines.all() if line.product_id == chair.pk]
    accounting.update_invoice(
        note,
        actor,
        {},
        lines=[
            accounting.LineData(
                description=line.description, quantity=D(1), price_unit=line.price_unit,
                discount=line.discount, product=line.product, account=line.account,
                taxes=list(line.taxes.all()), uom=line.uom,
            )
            for line in chairs
        ],
    )  # fmt: skip
    return order, invoice, accounting.post_invoice(note, actor)


def test_an_order_its_products_and_its_customer_by_hand(
    company: Company,
    admin: User,
    salesperson: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    order, _invoice, _note = sold(company, admin, customer, chair, design, vat)
    whole = profit.total(profit.Scope(company, order=order.pk))
    assert (whole.revenue, whole.discount, whole.gross, whole.cost, whole.margin) == (
        D("520.00"), D("40.00"), D("560.00"), D("240.00"), D("280.00"),
    )  # fmt: skip
    assert whole.margin_percent == D("53.8") and whole.orders == 1
    assert profit.total(profit.Scope(company, partner=customer.pk)) == whole
    by_product = {g.row_label: g.figures for g in profit.analysis(profit.Scope(company), "product")}
    chairs = by_product["Oak chair"]
    assert (chairs.revenue, chairs.cost, chairs.quantity) == (D("360.00"), D("240.00"), D(4))
    assert (by_product["Interior design hour"].revenue, by_product["Interior design hour"].margin) == (
        D("160.00"), D("160.00"),
    )  # fmt: skip
    chair_only = profit.total(profit.Scope(company, product=chair.pk))
    assert (chair_only.discount, chair_only.margin) == (D("40.00"), D("120.00"))
    # a period: each fact on its own date — the invoice in March, the credit note in April, the
    # goods' cost on the day they left and came back (today)
    march = profit.total(profit.Scope(company, start=DAY.replace(day=1), end=datetime.date(2026, 3, 31)))
    assert (march.revenue, march.cost) == (D("610.00"), D("0.00"))
    april = profit.total(
        profit.Scope(company, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 9))
    )
    assert (april.revenue, april.discount) == (D("-90.00"), D("-10.00"))
    since = profit.total(profit.Scope(company, start=timezone.localdate()))
    assert (since.revenue, since.cost) == (D(0), D("240.00"))
    by_month = profit.analysis(profit.Scope(company), "month", "product")
    assert {(g.row, g.column_label) for g in by_month} >= {("2026-03", "Oak chair")}


def test_a_salesperson_sees_their_own_sales_and_never_another_companys(
    company: Company,
    other_company: Company,
    admin: User,
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    sold(company, admin, customer, chair, design, vat)
    theirs = make_partner("Hotel Bristol", owner=other_salesperson)
    order = quotation(company, other_salesperson, theirs, (chair, "1"), taxes=[vat])
    services.confirm_order(order, other_salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    accounting.post_invoice(services.invoice_order(order, admin, invoice_date=DAY), admin)
    everything = {g.row_label: g.figures.revenue for g in profit.analysis(profit.Scope(company), "customer")}
    assert everything == {"Hotel Wawel": D("520.00"), "Hotel Bristol": D("100.00")}
    sam = {g.row_label for g in profit.analysis(profit.Scope(company, user=salesperson), "customer")}
    assert sam == {"Hotel Wawel"}
    sofia = {g.row_label for g in profit.analysis(profit.Scope(company, user=other_salesperson), "customer")}
    assert sofia == {"Hotel Bristol"}
    assert profit.analysis(profit.Scope(other_company, user=admin), "customer") == []
