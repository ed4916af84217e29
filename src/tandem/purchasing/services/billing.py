"""What a posted supplier bill of an order does to stock valuation: the goods were received at
the order's price (stock against stock input); the bill clears stock input, and where it
charged another price, the difference goes to the price difference account."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from tandem.accounting.models import Invoice
from tandem.core import events, money
from tandem.core.models import Event
from tandem.inventory.services import valuation
from tandem.purchasing.models import OrderBill

ZERO = Decimal(0)


@events.on("invoice.posted")
def book_price_differences(event: Event) -> None:
    """Runs inside the posting's transaction: a bill and its price difference post together."""
    # one bill links one order at most: a read without ORDER BY, whose compiling would hash each
    # of the wide select's columns on every posted customer invoice that has no link at all
    try:
        link = OrderBill.objects.select_related(
            "order__currency", "order__company__currency", "invoice__currency"
        ).get(invoice_id=event.subject_id, invoice__kind=Invoice.Kind.SUPPLIER_BILL)
    except OrderBill.DoesNotExist:
        return
    if valuation.settings_of(link.order.company_id) is None:
        return
    bill, order = link.invoice, link.order
    company = order.company
    on = bill.accounting_date or bill.invoice_date or timezone.localdate()
    bill_rate = money.rate(bill.currency, company.currency, on)
    order_rate = money.rate(order.currency, company.currency, timezone.localdate())
    ordered = {line.product_id: line for line in order.lines.select_related("product__uom", "uom")}
    differences = []
    for line in bill.lines.select_related("product__uom", "uom", "account"):
        product = line.product
        if product is None or product.pk not in ordered:
            continue
        account = valuation.input_account_for(product)
        if account is None or line.account_id != account.pk:
            continue
        po_line = ordered[product.pk]
        # quantities are compared in the bill line's unit: the order's price in that unit
        unit = line.uom or po_line.uom
        factor = (
            money.convert_quantity(Decimal(1), unit, po_line.uom) if unit.pk != po_line.uom_id else Decimal(1)
        )
        expected = line.quantity * factor * po_line.price_unit * order_rate
        charged = line.amount_untaxed * bill_rate
        difference = money.round_money(charged - expected, company.currency)
        if difference:
            differences.append((product, difference))
    if differences:
        valuation.book_price_difference(
            company, event.actor, on=on, differences=differences,
            reference=bill.number or str(bill.pk),
        )  # fmt: skip
