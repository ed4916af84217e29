"""Paid in advance: the hotel orders ten oak chairs (23 % VAT) and a day of interior design
(8 %) and pays the whole order up front. Bea invoices the down payment of 100 %, posts it and
books the hotel's transfer. Wanda ships six chairs; the hotel then decides it needs no more, so
the backorder is cancelled. Bea invoices what was delivered — the six chairs and the design day —
and the invoice deducts the advance paid under each tax, coming to zero, which posts: the goods
are invoiced and the advance leaves the liability. Six chairs and the day being all that is still
due, the order reads delivered and invoiced, and is done. The four chairs paid for and never shipped
are given back on a credit note from the order's page, which leaves the hotel a credit for its
next order; nothing is left to invoice or to deduct, and the advances account is back to zero.
The hotel would rather have its money: Bea refunds the credit note from the bank, which leaves
nothing owed either way, and every ledger invariant holds."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting import queries as books
from tandem.accounting.models import Invoice, Journal, JournalLine, Tax
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import payments
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import SalesOrder
from tests.kit.views import signed_in
from tests.sales.conftest import DAY, books_with_vat, stocked_warehouse

pytestmark = pytest.mark.django_db
D = Decimal


def test_an_order_paid_in_full_in_advance_delivered_in_part_and_the_rest_given_back(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    admin = make_user("ada", roles.ADMINISTRATOR, is_superuser=True)
    sam = make_user("sam", roles.SALESPERSON)
    wanda = make_user("wanda", roles.WAREHOUSE)
    bea = make_user("bea", roles.ACCOUNTANT)
    vat = books_with_vat(company)
    reduced = Tax.objects.get(company=company, use=Tax.Use.SALE, amount=D(8), price_included=False)
    chair = create_product(
        company, admin, name="Oak chair", sku="CH-1", uom=pcs, sales_price="100", cost="60"
    )
    design = create_product(
        company, admin, name="Interior design day", sku="SRV-1", uom=pcs, kind="service", sales_price="500"
    )
    stocked_warehouse(company, admin, {chair: "10"})
    hotel = make_partner("Hotel Wawel", owner=sam, email="orders@wawel.example")
    bank = Journal.objects.filter(company=company, kind=Journal.Kind.BANK).order_by("code").first()
    assert bank is not None

    # Sam sells the chairs and the design day; confirmed, the chairs are reserved.
    order = services.create_order(
        company, sam, partner=hotel, order_date=DAY,
        lines=[
            services.OrderLineData(product=chair, quantity="10", taxes=[vat]),
            services.OrderLineData(product=design, quantity="1", taxes=[reduced]),
        ],
    )  # fmt: skip
    services.confirm_order(order, sam)
    order.refresh_from_db()
    assert order.amount_total == D("1770.00")  # 1,000 × 1.23 + 500 × 1.08

    # The hotel pays everything up front: Bea invoices a down payment of 100 % and books the transfer.
    down = accounting.post_invoice(services.invoice_down_payment(order, bea, percent="100"), bea)
    assert down.amount_total == D("1770.00")
    payments.register_payment([down], bea, journal=bank, date=DAY)
    assert not books.open_balance(hotel)

    # Wanda ships six chairs; the hotel needs no more, so the backorder is cancelled.
    [delivery] = queries.open_deliveries(order)
    inventory.validate_transfer(delivery, {delivery.moves.get().pk: D(6)}, wanda)
    [backorder] = queries.open_deliveries(order)
    inventory.cancel_transfer(backorder, wanda)

    # Bea invoices what was delivered: each tax's goods less the advance paid under it — zero.
    final = services.invoice_order(order, bea)
    assert [(line.quantity, line.price_unit) for line in final.lines.order_by("sequence")] == [
        (D(6), D(100)),
        (D(1), D(500)),
        (D(-1), D(600)),
        (D(-1), D(500)),
    ]
    final = accounting.post_invoice(final, bea)
    assert (final.state, final.amount_total) == (Invoice.State.POSTED, D(0))

    # The six chairs and the day are all that is still due: the order is delivered, invoiced, done.
    chairs, day = queries.line_statuses(order)
    assert (chairs.ordered, chairs.cancelled, chairs.due, chairs.to_deliver) == (D(10), D(4), D(6), 0)
    assert (day.due, day.to_deliver) == (D(1), 0)
    found = queries.progress(order)
    assert (found.delivered, found.invoiced) == (True, True)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE

    # Four chairs were paid for and never shipped: the order's page offers to give them back.
    url = reverse("sales:order_give_back", args=[order.pk])
    page = signed_in(bea).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "Down payments to deduct from the next invoices: 400.00" in page and url in page
    assert signed_in(bea).post(url).status_code == 302
    note = Invoice.objects.get(kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE, partner=hotel)
    assert note.amount_total == D("492.00")  # 400 × 1.23
    accounting.post_invoice(note, bea)

    # Nothing is left to invoice or to deduct; the hotel holds a credit of 492 for its next order.
    found = queries.progress(order)
    assert [s.to_invoice for s in queries.line_statuses(order)] == [D(0), D(0)]
    assert (found.amount_invoiced, found.amount_due) == (D("1278.00"), D("492.00"))  # 1,770 less 492
    assert books.open_balance(hotel) == D("-492.00")
    advances = JournalLine.objects.filter(account__company=company, account__code="2050", posted=True)
    assert sum((line.credit - line.debit for line in advances), D(0)) == 0
    assert not services.down_payments_left(order).amounts

    # The hotel would rather have its money back: Bea refunds the credit note from the bank.
    refund, _matched = payments.register_payment([note], bea, journal=bank, date=DAY)
    assert refund.direction == "outbound" and refund.amount == D("492.00")
    found = queries.progress(order)
    assert not books.open_balance(hotel) and found.amount_due == 0 and found.paid
    assert not invariants.violations(), invariants.describe(invariants.violations())
