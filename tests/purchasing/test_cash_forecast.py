"""Purchasing's part of the books' cash forecast: confirmed purchase orders not yet billed are
expected payments on their expected date; a posted bill takes its part out (it is an open item
of the books then), a draft bill does not, an RFQ never counts. Figures by hand."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from tandem.accounting.models import PaymentTermLine
from tandem.accounting.queries import forecast
from tandem.accounting.services import charts, invoices, taxes
from tandem.catalog.models import Product
from tandem.core.models import Company, PaymentTerm, User
from tandem.inventory import services as inventory
from tandem.partners.models import Partner
from tandem.purchasing import cash_forecast, services
from tests.purchasing.conftest import DAY, order_of

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 3, 31)  # a Tuesday: week 0 is 30 March – 5 April
EXPECTED = datetime.date(2026, 4, 15)  # week 2: 13–19 April


def by_week(company: Company) -> dict[int, Decimal]:
    plan = forecast.forecast(company, TODAY)
    return {
        n: week.by_source["purchase_orders"]
        for n, week in enumerate(plan.weeks)
        if "purchase_orders" in week.by_source
    }


def test_open_orders_not_yet_billed_are_expected_payments(
    company: Company, admin: User, purchaser: User, timber_co: Partner, oak: Product, design: Product
) -> None:
    charts.install_chart(company, None, "ifrs", today=DAY)
    inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")  # the boards arrive there
    order = services.create_order(
        company,
        purchaser,
        partner=timber_co,
        order_date=DAY,
        expected_date=EXPECTED,
        lines=[services.OrderLineData(design, "3", "80"), services.OrderLineData(oak, "20", "12")],
    )  # 3 × 80 + 20 × 12 = 480.00
    order_of(company, purchaser, timber_co, (oak, "5", "10"))  # an RFQ: nothing is expected of it
    assert by_week(company) == {}
    services.confirm_order(order, purchaser)
    assert by_week(company) == {2: D("-480.00")}
    assert "purchase_orders" in dict(forecast.forecast(company, TODAY).sources)

    bill = services.bill_order(order, admin, invoice_date=DAY).invoice  # the design hours: 240.00
    assert by_week(company) == {2: D("-480.00")}  # a draft is not in the books: the order still counts
    invoices.post_invoice(bill, admin)
    assert by_week(company) == {2: D("-240.00")}  # the oak boards left, 20 × 12
    assert cash_forecast.flows(company, TODAY, datetime.date(2026, 4, 14)) == []  # expected after the end


def test_orders_are_expected_with_their_taxes_and_as_the_suppliers_term_falls_due(
    company: Company,
    admin: User,
    purchaser: User,
    timber_co: Partner,
    make_supplier: Callable[..., Partner],
    oak: Product,
    design: Product,
) -> None:
    """Purchases count with the VAT their bills will carry, like sales (the self-assessed EU VAT
    is not paid to the supplier), posted bills taken off with theirs, and the rest due as the
    supplier's payment term says."""
    charts.install_chart(company, None, "ifrs", today=DAY)
    made = {t.name: t for t in taxes.install_taxes(company, None, "PL")}
    Company.objects.filter(pk=company.pk).update(country="PL")
    company.refresh_from_db()
    inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    for product in (oak, design):
        taxes.set_product_accounting(product, None, purchase_taxes=[made["VAT 23 % (naliczony)"]])
    Partner.objects.filter(pk=timber_co.pk).update(country="PL")
    timber_co.refresh_from_db()
    lines = [services.OrderLineData(design, "3", "80"), services.OrderLineData(oak, "20", "12")]
    order = services.create_order(
        company, purchaser, partner=timber_co, order_date=DAY, expected_date=EXPECTED, lines=lines
    )
    services.confirm_order(order, purchaser)
    assert by_week(company) == {2: D("-590.40")}  # 480.00 + 23 %

    bill = services.bill_order(order, admin, invoice_date=DAY).invoice  # the design hours
    assert bill.amount_total == D("295.20")
    invoices.post_invoice(bill, admin)
    assert by_week(company) == {2: D("-295.20")}  # the oak boards, 240.00 + 23 %

    term = PaymentTerm.objects.create(company=company, name="30/70", days=60)
    PaymentTermLine.objects.create(term=term, sequence=1, value="percent", amount=D(30), days=0)
    PaymentTermLine.objects.create(term=term, sequence=2, value="balance", days=60)
    Partner.objects.filter(pk=timber_co.pk).update(payment_term=term)
    # 88.56 on 15 April; 206.64 on 14 June (week 10: 8–14 June)
    assert by_week(company) == {2: D("-88.56"), 10: D("-206.64")}

    eu = make_supplier("Holz GmbH", country="DE", tax_id="DE136695976")
    services.confirm_order(
        services.create_order(
            company, purchaser, partner=eu, order_date=DAY, expected_date=EXPECTED,
            lines=[services.OrderLineData(oak, "10", "10")],
        ),
        purchaser,
    )  # fmt: skip
    assert by_week(company) == {2: D("-188.56"), 10: D("-206.64")}  # reverse charge: 100.00 paid
