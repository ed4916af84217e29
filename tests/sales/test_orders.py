"""Quotations and orders through the services: prices, taxes and margin; the credit and
discount limits; reservation and shortages; cancelling; invoicing per policy."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.core.states import IllegalTransition
from tandem.crm import services as crm
from tandem.inventory import services as inventory
from tandem.inventory.models import Quant, Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.purchasing.models import PurchaseRequest
from tandem.sales import queries, services
from tandem.sales.models import SalesOrder
from tests.sales.conftest import DAY, quotation

pytestmark = pytest.mark.django_db
D = Decimal


def _reserved(product: Product) -> Decimal:
    return sum((q.reserved for q in Quant.objects.filter(product=product)), D(0))


def test_a_quotation_takes_prices_taxes_and_costs(
    company: Company, salesperson: User, customer: Partner, chair: Product, design: Product, vat: Tax
) -> None:
    order = services.create_order(
        company,
        salesperson,
        partner=customer,
        order_date=DAY,
        lines=[
            services.OrderLineData(product=chair, quantity="3", discount="10", taxes=[vat]),
            services.OrderLineData(product=design, quantity="2", taxes=[vat]),
            services.OrderLineData(product=design, quantity="5", taxes=[vat], optional=True),
        ],
    )
    chairs, hours, extra = order.lines.order_by("sequence")
    assert (chairs.price_unit, chairs.cost_unit, chairs.amount_untaxed) == (D("100"), D("60"), D("270.00"))
    assert hours.invoice_policy == "ordered" and chairs.invoice_policy == "delivered"
    assert extra.optional and extra.amount_untaxed == D("400.00")  # shown, left out of the totals
    assert (order.amount_untaxed, order.amount_tax, order.amount_total) == (
        D("430.00"),
        D("98.90"),
        D("528.90"),
    )
    assert order.cost_total == D("180.00") and order.margin == D("250.00")
    assert [(row.base, row.amount) for row in queries.tax_totals(order)] == [(D("430.00"), D("98.90"))]
    assert order.salesperson == salesperson and order.validity_date == DAY + __import__("datetime").timedelta(
        days=30
    )
    assert Event.objects.filter(partner_id=customer.pk, name="salesorder.created").exists()


def test_bad_input_writes_nothing(
    company: Company, salesperson: User, other_salesperson: User, customer: Partner, chair: Product
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        quotation(company, other_salesperson, customer, (chair, "1"))
    assert "partner" in refused.value.errors  # another salesperson's customer
    with pytest.raises(ValidationFailed) as refused:
        quotation(company, salesperson, customer, (chair, "0"))
    assert "lines.0" in refused.value.errors
    with pytest.raises(ValidationFailed):
        quotation(company, salesperson, customer, (chair, "1"), discount="120")
    with pytest.raises(ValidationFailed):
        quotation(company, salesperson, customer, (chair, "1"), validity_date=DAY.replace(day=1))
    assert not SalesOrder.objects.exists()


def test_a_quotation_from_a_won_deal_is_linked_both_ways(
    company: Company,
    salesperson: User,
    customer: Partner,
    make_partner: Callable[..., Partner],
    chair: Product,
) -> None:
    person = make_partner("Ewa Nowak", kind="person", organisation=customer, owner=salesperson)
    deal = crm.create_deal(
        company, salesperson, title="Chairs for the hotel", partner=customer, contact=person
    )
    deal = crm.win_deal(deal, salesperson)
    order = services.create_from_deal(deal, salesperson, lines=[services.OrderLineData(chair, "4")])
    assert (order.partner, order.contact, order.deal, order.salesperson) == (
        customer,
        person,
        deal,
        salesperson,
    )
    assert list(deal.sales_orders.all()) == [order]


def test_confirming_reserves_the_stock_and_sends_shortages_to_planning(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "12"))
    services.send_order(order, salesperson)
    assert order.state == "sent" and order.number.startswith("SO")
    services.confirm_order(order, salesperson)
    assert order.state == "confirmed" and order.delivery is not None
    assert order.delivery.kind == Transfer.Kind.DELIVERY and order.delivery.origin == order.number
    assert _reserved(chair) == D(10)
    [request] = PurchaseRequest.objects.all()
    assert (request.product, request.quantity, request.origin) == (chair, D(2), order.number)
    with pytest.raises(BusinessError):
        services.confirm_order(order, salesperson)  # twice: refused
    assert Transfer.objects.filter(kind="delivery").count() == 1


def test_above_the_credit_limit_a_sales_manager_confirms(
    company: Company,
    salesperson: User,
    manager: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
) -> None:
    services.set_credit_limit(company, manager, partner=customer, amount="500")
    order = quotation(company, salesperson, customer, (chair, "6"))  # 600 > 500
    with pytest.raises(services.ApprovalNeeded, match="credit limit"):
        services.confirm_order(order, salesperson)
    order.refresh_from_db()
    assert order.state == "draft" and not order.number and _reserved(chair) == 0
    services.confirm_order(order, manager)
    assert order.state == "confirmed" and order.approved_by == manager


def test_a_discount_above_the_limit_needs_a_sales_manager(
    company: Company,
    salesperson: User,
    manager: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
) -> None:
    services.update_settings(company, manager, discount_limit="15")
    order = quotation(company, salesperson, customer, (chair, "1"), discount="25")
    with pytest.raises(services.ApprovalNeeded, match="discount"):
        services.confirm_order(order, salesperson)
    services.confirm_order(order, manager)
    assert order.state == "confirmed"


def test_cancelling_releases_the_reservation(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "4"))
    services.confirm_order(order, salesperson)
    assert _reserved(chair) == 4
    services.cancel_order(order, salesperson)
    assert order.state == "cancelled" and _reserved(chair) == 0
    assert Transfer.objects.get(pk=order.delivery_id).state == "cancelled"
    with pytest.raises(IllegalTransition):
        services.cancel_order(order, salesperson)


def test_invoicing_follows_the_policy(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    order = services.create_order(
        company,
        salesperson,
        partner=customer,
        order_date=DAY,
        lines=[
            services.OrderLineData(chair, "5", taxes=[vat]),
            services.OrderLineData(design, "2", taxes=[vat]),
        ],
    )
    with pytest.raises(BusinessError, match="confirmed"):
        services.invoice_order(order, admin)
    services.confirm_order(order, salesperson)
    chairs, _hours = order.lines.order_by("sequence")
    with pytest.raises(ValidationFailed) as refused:
        services.invoice_order(order, admin, quantities={chairs.pk: "1"})  # nothing delivered yet
    assert f"lines.{chairs.pk}" in refused.value.errors and not Invoice.objects.exists()
    first = services.invoice_order(order, admin)  # the service hours, ordered
    assert [(line.product, line.quantity) for line in first.lines.all()] == [(design, D(2))]
    delivery = Transfer.objects.get(pk=order.delivery_id)
    move = delivery.moves.get()
    inventory.validate_transfer(delivery, {move.pk: D(3)}, admin)
    statuses = {s.line.pk: s for s in queries.line_statuses(order)}
    assert (statuses[chairs.pk].delivered, statuses[chairs.pk].to_invoice) == (D(3), D(3))
    second = services.invoice_order(order, admin)
    assert [(line.product, line.quantity) for line in second.lines.all()] == [(chair, D(3))]
    with pytest.raises(BusinessError, match="Nothing is left"):
        services.invoice_order(order, admin)
    [backorder] = Transfer.objects.filter(backorder_of=delivery)
    inventory.validate_transfer(backorder, None, admin)
    services.invoice_order(order, admin)
    order.refresh_from_db()
    found = queries.progress(order)
    assert order.state == "done" and found.delivered and found.invoiced and not found.paid


def test_in_a_three_step_warehouse_goods_are_delivered_when_shipped_not_when_picked(
    company: Company, salesperson: User, admin: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    """Pick → pack → ship: the order's delivery is the pick, yet only the ship step, to the
    customer, delivers; the order hears of it once, from the ship step."""
    inventory.update_warehouse(warehouse, admin, delivery_steps=3)
    order = quotation(company, salesperson, customer, (chair, "4"))
    services.confirm_order(order, salesperson)
    pick = Transfer.objects.get(pk=order.delivery_id)
    steps = {t.step: t for t in inventory.chain(pick)}
    assert list(steps) == ["pick", "pack", "ship"]
    for step in ("pick", "pack"):
        inventory.validate_transfer(Transfer.objects.get(pk=steps[step].pk), None, admin)
        [status] = queries.line_statuses(order)
        assert status.delivered == D(0), step
    assert not Event.objects.filter(name="salesorder.delivered").exists()
    assert {t.pk for t in queries.open_deliveries(order)} == {steps["ship"].pk}
    ship = Transfer.objects.get(pk=steps["ship"].pk)
    move = ship.moves.get()
    inventory.validate_transfer(ship, {move.pk: D(3)}, admin)
    [status] = queries.line_statuses(order)
    assert status.delivered == D(3)
    [backorder] = Transfer.objects.filter(backorder_of=ship)
    inventory.validate_transfer(backorder, None, admin)
    [status] = queries.line_statuses(order)
    assert status.delivered == D(4) and queries.progress(order).delivered
    assert Event.objects.filter(name="salesorder.delivered").count() == 2
    assert {t.pk for t in queries.deliveries(order)} == {pick.pk, steps["pack"].pk, ship.pk, backorder.pk}
