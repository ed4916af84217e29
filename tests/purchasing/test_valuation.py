"""Receipts of an order are valued at its price; the supplier bill clears stock input and books
what it charged beyond (or below) the order's price as a price difference."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.accounting.models import Account
from tandem.accounting.services import charts, invoices
from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.inventory.models import ValuationLayer
from tandem.inventory.queries import valuation as stock_values
from tandem.partners.models import Partner
from tandem.purchasing import services
from tests.purchasing.conftest import order_of

pytestmark = pytest.mark.django_db


def balance(company: Company, code: str) -> Decimal:
    account = Account.objects.get(company=company, code=code)
    return stock_values.stock_account_balance(company.pk, [account.pk])


def test_a_receipt_is_valued_at_the_order_price_and_the_bill_books_the_price_difference(
    company: Company, purchaser: User, admin: User, timber_co: Partner, oak: Product
) -> None:
    charts.install_chart(company, admin, "ifrs")
    inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    order = services.confirm_order(order_of(company, purchaser, timber_co, (oak, "100", "12")), purchaser)
    line = order.lines.get()
    services.receive_order(order, purchaser, quantities={line.pk: Decimal(60)})
    layer = ValuationLayer.objects.get(product=oak)
    assert (layer.quantity, layer.value) == (Decimal(60), Decimal(720))
    assert balance(company, "2260") == Decimal(-720)
    bill = services.bill_order(order, admin, invoice_date=timezone.localdate()).invoice
    bill_line = bill.lines.get()
    assert bill_line.account.code == "2260"
    invoices.update_invoice(
        bill,
        admin,
        {},
        lines=[invoices.LineData(product=oak, quantity="60", price_unit="12.50", account=bill_line.account)],
    )
    invoices.post_invoice(bill, admin)
    assert balance(company, "2260") == Decimal(0)  # stock input is cleared
    assert balance(company, "5200") == Decimal(30)  # 60 × 0.50 more than ordered
    assert balance(company, "1230") == Decimal(720)
    assert invariants.violations() == {}
