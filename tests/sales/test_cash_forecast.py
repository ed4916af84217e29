"""Sales' part of the books' cash forecast: confirmed orders not yet invoiced are expected
receipts on their promised date; a posted invoice takes its part out (it is an open item of the
books then), a draft does not, a quotation never counts. Figures by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tandem.accounting.models import PaymentTermLine, Tax
from tandem.accounting.queries import forecast
from tandem.accounting.services import invoices
from tandem.catalog.models import Product
from tandem.core.models import Company, PaymentTerm, User
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tests.sales.conftest import DAY, deliver, quotation

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 3, 31)  # a Tuesday: week 0 is 30 March – 5 April
PROMISED = datetime.date(2026, 4, 10)  # week 1: 6–12 April


def by_week(company: Company) -> dict[int, Decimal]:
    plan = forecast.forecast(company, TODAY)
    return {
        n: week.by_source["sales_orders"]
        for n, week in enumerate(plan.weeks)
        if "sales_orders" in week.by_source
    }


def test_confirmed_orders_not_yet_invoiced_are_expected_receipts(
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
        promised_date=PROMISED,
        lines=[
            services.OrderLineData(chair, "5", taxes=[vat]),  # 500.00 + 23 % = 615.00
            services.OrderLineData(design, "2", taxes=[vat]),  # 160.00 + 23 % = 196.80
        ],
    )
    quotation(company, salesperson, customer, (chair, "1"))  # a quotation: nothing is expected of it
    assert by_week(company) == {}
    services.confirm_order(order, salesperson)
    assert by_week(company) == {1: D("811.80")}

    invoice = services.invoice_order(order, admin, invoice_date=DAY)  # the design hours, ordered
    assert invoice.amount_total == D("196.80")
    assert by_week(company) == {1: D("811.80")}  # a draft is not in the books: the order still counts
    invoices.post_invoice(invoice, admin)
    assert by_week(company) == {1: D("615.00")}  # the chairs left
    late = forecast.forecast(company, TODAY, days_late=7)  # customers a week late: 17 April
    assert late.weeks[2].by_source["sales_orders"] == D("615.00")


def test_an_order_is_expected_as_the_customers_payment_term_falls_due(
    company: Company,
    salesperson: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    """30 % when invoiced on the promised day, the balance 60 days later."""
    term = PaymentTerm.objects.create(company=company, name="30/70", days=60)
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=D(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60)
    Partner.objects.filter(pk=customer.pk).update(payment_term=term)
    order = services.create_order(
        company,
        salesperson,
        partner=customer,
        order_date=DAY,
        promised_date=PROMISED,
        lines=[
            services.OrderLineData(chair, "5", taxes=[vat]),
            services.OrderLineData(design, "2", taxes=[vat]),
        ],
    )
    services.confirm_order(order, salesperson)
    # 811.80: 243.54 on 10 April (week 1), 568.26 on 9 June (week 10: 8–14 June)
    assert by_week(company) == {1: D("243.54"), 10: D("568.26")}


def test_an_invoice_of_two_orders_covers_each_only_for_its_own_lines(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    """One posted invoice bills all of one order and part of another: each order is covered by
    its own lines on it, not by the invoice's whole total."""
    delivered = quotation(company, salesperson, customer, (chair, "2"), taxes=[vat], promised_date=PROMISED)
    services.confirm_order(delivered, salesperson)
    deliver(delivered, admin)
    waiting = services.create_order(
        company,
        salesperson,
        partner=customer,
        order_date=DAY,
        promised_date=PROMISED,
        lines=[
            services.OrderLineData(chair, "5", taxes=[vat]),  # delivered policy: not shipped yet
            services.OrderLineData(design, "2", taxes=[vat]),  # ordered policy: invoiced now
        ],
    )
    services.confirm_order(waiting, salesperson)
    assert by_week(company) == {1: D("1057.80")}  # 246.00 + 811.80
    shared = services.invoice_orders([delivered, waiting], admin, invoice_date=DAY)
    assert shared.amount_total == D("442.80")  # 246.00 of chairs and 196.80 of design hours
    invoices.post_invoice(shared, admin)
    assert by_week(company) == {1: D("615.00")}  # the five chairs still to ship and invoice
