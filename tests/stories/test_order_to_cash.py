"""Order to cash: the hotel's enquiry comes in as Sam's lead, which he converts into the customer
and a deal; he wins the deal, quotes the hotel from it and sends the quotation; the
hotel's buyer opens the link in the e-mail, downloads the PDF and accepts it with her name and
signature, which confirms the order (the chairs and desks are reserved) with the promised date
the supplier's lead time allows for the chairs that are missing; Wanda ships what is on the
shelf (a backorder waits for the rest), Bea invoices the delivered quantities, posts the
invoice and books the customer's first, partial payment; the rest is shipped and invoiced, the
customer pays what is left of both invoices, and the order is done — delivered, invoiced and
paid read from inventory and accounting — and the customer card shows the order, both invoices,
both payments and nothing left open; ending with every ledger invariant (the ``invariants``
fixture: books balance, stock value equals the inventory accounts, quants equal the moves,
nothing reserved beyond what is there)."""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.accounting import queries as books
from tandem.accounting.models import Journal
from tandem.accounting.services import invoices as accounting
from tandem.accounting.services import payments
from tandem.catalog.services import create_product
from tandem.core import invariants, roles
from tandem.core.models import Company, Event, Uom, User
from tandem.crm import services as crm
from tandem.inventory import services as inventory
from tandem.inventory.models import Quant, Transfer
from tandem.partners.models import Partner
from tandem.purchasing import services as purchasing
from tandem.sales import queries, services
from tandem.sales.models import AcceptanceLink, SalesOrder
from tandem.sales.queries import promise
from tests.kit.views import signed_in
from tests.sales.conftest import DAY, books_with_vat, signature, stocked_warehouse

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_won_deal_is_quoted_confirmed_delivered_in_two_parts_invoiced_and_paid(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    admin = make_user("ada", roles.ADMINISTRATOR, is_superuser=True)
    sam = make_user("sam", roles.SALESPERSON)
    wanda = make_user("wanda", roles.WAREHOUSE)
    bea = make_user("bea", roles.ACCOUNTANT)
    vat = books_with_vat(company)
    chair = create_product(
        company, admin, name="Oak chair", sku="CH-1", uom=pcs, sales_price="100", cost="60"
    )
    desk = create_product(company, admin, name="Oak desk", sku="DK-1", uom=pcs, sales_price="400", cost="250")
    stocked_warehouse(company, admin, {chair: "5", desk: "4"})
    lead = crm.create_lead(
        company,
        sam,
        company_name="Hotel Wawel",
        contact_name="Ewa Nowak",
        email="orders@wawel.example",
        need="Chairs and desks for the refit",
    )
    holz = make_partner("Holz GmbH", is_supplier=True, is_customer=False)
    purchasing.create_supplier_price(
        company, admin, partner=holz, product=chair, price="55", lead_time_days=7
    )
    today = timezone.localdate()
    bank = Journal.objects.filter(company=company, kind=Journal.Kind.BANK).order_by("code").first()
    assert bank is not None

    # Sam converts the lead: the hotel becomes his customer with a deal, which he wins and quotes
    # eight chairs and two desks from.
    lead = crm.convert_lead(lead, sam, title="Hotel refit")
    assert lead.partner is not None and lead.deal is not None
    hotel = Partner.objects.get(pk=lead.partner.pk)
    assert (hotel.name, hotel.owner) == ("Hotel Wawel", sam)
    deal = crm.win_deal(lead.deal, sam)
    order = services.create_from_deal(
        deal,
        sam,
        order_date=DAY,
        validity_date=today + datetime.timedelta(days=30),
        lines=[
            services.OrderLineData(chair, "8", taxes=[vat]),
            services.OrderLineData(desk, "2", taxes=[vat]),
        ],
    )
    assert (order.amount_untaxed, order.amount_total, order.margin) == (
        D("1600.00"),
        D("1968.00"),
        D("620.00"),
    )
    client = signed_in(sam)
    assert client.post(reverse("sales:order_send", args=[order.pk])).status_code == 302

    # The hotel's buyer opens the link in the e-mail, downloads the PDF and accepts, signing.
    link = AcceptanceLink.objects.get(order=order)
    customer_page = reverse("sales:customer_quotation", args=[services.link_token(link)])
    buyer = Client()
    assert order.number in buyer.get(customer_page).content.decode()  # type: ignore[operator]
    assert buyer.get(f"{customer_page}pdf/").content.startswith(b"%PDF")
    answer = {"answer": "accept", "name": "Ewa Nowak", "signature": signature()}
    assert buyer.post(customer_page, answer).status_code == 302
    order.refresh_from_db()
    assert order.state == "confirmed" and order.number
    assert order.promised_date == today + datetime.timedelta(days=7)  # three chairs are bought
    assert not promise.late(order)
    delivery = Transfer.objects.get(pk=order.delivery_id)
    assert sum((q.reserved for q in Quant.objects.filter(product=chair)), D(0)) == 5  # three are missing
    assert list(deal.sales_orders.all()) == [order]

    # Wanda ships the five chairs and two desks on the shelf: three chairs wait in a backorder.
    moves = {m.product_id: m for m in delivery.moves.all()}
    inventory.validate_transfer(delivery, {moves[chair.pk].pk: D(5), moves[desk.pk].pk: D(2)}, wanda)
    [backorder] = Transfer.objects.filter(backorder_of=delivery)
    assert not queries.progress(order).delivered

    # Bea invoices what left, posts it; the hotel pays 1,000 of it.
    first = services.invoice_order(order, bea)
    assert [(line.product_id, line.quantity) for line in first.lines.order_by("sequence")] == [
        (chair.pk, D(5)),
        (desk.pk, D(2)),
    ]
    assert first.amount_total == D("1599.00")  # (500 + 800) × 1.23
    accounting.post_invoice(first, bea)
    payments.register_payment([first], bea, journal=bank, date=DAY, amount=D("1000.00"))
    assert books.open_balance(hotel) == D("599.00")
    found = queries.progress(order)
    assert (found.amount_invoiced, found.amount_due, found.paid) == (D("1599.00"), D("599.00"), False)
    assert "Open balance" in _card(bea, hotel) and " 599.00" in _card(bea, hotel)

    # The three chairs come in and leave; the second invoice; the hotel pays again.
    inventory.import_opening_stock(
        company, admin, [inventory.OpeningLine(chair, delivery.source_location, "3", unit_cost="60")]
    )
    inventory.reserve(backorder, wanda)
    inventory.validate_transfer(backorder, None, wanda)
    second = services.invoice_order(order, bea)
    assert [(line.product_id, line.quantity) for line in second.lines.all()] == [(chair.pk, D(3))]
    with pytest.raises(services.BusinessError):
        services.invoice_order(order, bea)  # nothing left: never invoiced twice
    accounting.post_invoice(second, bea)
    assert books.open_balance(hotel) == D("968.00")  # 599 left of the first, 369 of the second
    first.refresh_from_db()
    second.refresh_from_db()
    payments.register_payment([first, second], bea, journal=bank, date=DAY)

    order.refresh_from_db()
    found = queries.progress(order)
    assert order.state == SalesOrder.State.DONE
    assert (found.delivered, found.invoiced, found.paid) == (True, True, True)
    assert (found.amount_invoiced, found.amount_due) == (D("1968.00"), D(0))
    assert books.open_balance(hotel) == D(0)
    names = set(Event.objects.filter(partner_id=hotel.pk).values_list("name", flat=True))
    assert {
        "salesorder.created",
        "salesorder.sent",
        "salesorder.accepted",
        "salesorder.confirmed",
        "salesorder.delivered",
    } <= names
    # The customer card: Sam sees the order done; Bea also both invoices paid, both payments,
    # and no open balance left.
    seen_by_sam = _card(sam, hotel)
    assert f"{order.number} {DAY:%Y-%m-%d} Done 1,968.00 EUR" in seen_by_sam
    assert "Deal won · Hotel refit" in seen_by_sam and "Lead converted · Hotel Wawel" in seen_by_sam
    seen_by_bea = _card(bea, hotel)
    assert f"{order.number} {DAY:%Y-%m-%d} Done 1,968.00 EUR" in seen_by_bea
    first.refresh_from_db()
    second.refresh_from_db()
    for invoice, total in ((first, "1,599.00"), (second, "369.00")):
        assert f"{invoice.number} Customer invoice" in seen_by_bea
        assert f"{total} 0.00 Paid" in seen_by_bea
    assert f"{DAY:%Y-%m-%d} Incoming 1,000.00 EUR Posted" in seen_by_bea
    assert f"{DAY:%Y-%m-%d} Incoming 968.00 EUR Posted" in seen_by_bea
    assert "Open balance" not in seen_by_bea
    assert not invariants.violations()


def _card(user: User, partner: Partner) -> str:
    """The partner card as ``user`` reads it: its words, tags and scripts left out."""
    page = signed_in(user).get(partner.get_absolute_url())
    assert page.status_code == 200
    markup = re.sub(r"<(script|svg)\b.*?</\1>", " ", page.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
