"""Procure to pay: a reorder rule fires, its request becomes an RFQ, the RFQ is sent and
confirmed, the manager approves it, the goods come in partly (a backorder waits for the rest),
the supplier bills what came, the three-way match is clean, the accountant posts the bill; the
rest arrives and is billed — ending with every ledger invariant (the ``invariants`` fixture)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.services import charts
from tandem.accounting.services import invoices as accounting
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Event, Uom, User
from tandem.core.notifications.models import Notification, OutgoingEmail
from tandem.inventory import services as inventory
from tandem.inventory.queries import availability
from tandem.partners.models import Partner
from tandem.planning import services as planning
from tandem.purchasing import queries, services
from tandem.purchasing.models import PurchaseOrder, PurchaseRequest
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def test_a_reorder_rule_fires_and_the_goods_are_bought_received_and_billed(
    company: Company, make_user: Callable[..., User], make_partner: Callable[..., Partner], pcs: Uom
) -> None:
    admin = make_user("ada", roles.ADMINISTRATOR, is_superuser=True)
    piotr = make_user("piotr", roles.PURCHASER)
    anna = make_user("mila", roles.SALES_MANAGER)
    wanda = make_user("wanda", roles.WAREHOUSE)
    books = make_user("bea", roles.ACCOUNTANT)
    charts.install_chart(company, admin, "ifrs", today=DAY)
    warehouse = inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    services.create_approval_level(company, admin, name="Manager", min_amount="1000", approver=anna)
    services.update_settings(company, admin, receipt_tolerance="2")
    supplier = make_partner(
        "Tartak Las", is_supplier=True, is_customer=False, email="zamowienia@las.example", language="pl"
    )
    oak = create_product(company, admin, name="Oak board 2 m", sku="OAK-2M", uom=pcs)
    services.create_supplier_price(
        company, piotr, partner=supplier, product=oak, price="14.50", lead_time_days=7
    )
    planning.create_rule(
        company, piotr, product=oak, warehouse=warehouse, min_quantity="20", max_quantity="100", multiple="10"
    )

    # Night: the scheduled run finds no oak and asks for 100 boards, once.
    run = planning.run_reorder_rules(company)
    [request] = run.requests
    assert (request.quantity, request.warehouse) == (Decimal(100), warehouse)
    assert planning.run_reorder_rules(company).requests == []

    # Morning: Piotr turns the open requests into RFQs on the page and sends the RFQ.
    client = signed_in(piotr)
    assert client.post(reverse("purchasing:request_rfqs")).status_code == 302
    order = PurchaseOrder.objects.get()
    assert (order.partner, order.amount_total, order.warehouse) == (supplier, Decimal("1450.00"), warehouse)
    assert client.post(reverse("purchasing:order_send", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    mail = OutgoingEmail.objects.get(partner_id=supplier.pk)
    assert mail.attachments.count() == 1 and order.number in mail.subject  # supplier's language
    assert Event.objects.filter(partner_id=supplier.pk, name="purchaseorder.sent").exists()

    # The supplier agrees; 1,450 EUR needs the manager: Piotr cannot approve it himself.
    assert client.post(reverse("purchasing:order_confirm", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.state == "to_approve"
    assert client.post(reverse("purchasing:order_approve", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.state == "to_approve"  # refused, shown as a message
    assert Notification.objects.filter(recipient=anna, kind="purchasing.approval").exists()
    assert signed_in(anna).post(reverse("purchasing:order_approve", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.state == "confirmed" and order.receipt is not None
    assert order.approvals.get().approver == anna
    assert availability(oak, warehouse).incoming == Decimal(100)

    # A week later 60 boards arrive: received on the order's page, a backorder waits for 40.
    line = order.lines.get()
    assert (
        client.post(
            reverse("purchasing:order_receive", args=[order.pk]), {f"line_{line.pk}": "60"}
        ).status_code
        == 302
    )
    order.refresh_from_db()
    assert order.state == "confirmed"
    backorder = queries.open_receipts(order).get()
    assert backorder.moves.get().quantity == Decimal(40)
    assert availability(oak, warehouse).on_hand == Decimal(60)

    # The supplier bills the 60: drafted from the order, the match is clean, the accountant posts it.
    first = services.bill_order(order, books, invoice_date=DAY, supplier_reference="FV/2026/311")
    assert first.warnings == []
    assert [(ln.quantity, ln.price_unit) for ln in first.invoice.lines.all()] == [
        (Decimal(60), Decimal("14.50"))
    ]
    accounting.post_invoice(first.invoice, books)

    # The rest arrives at the warehouse's own screen; the order is received, then billed.
    inventory.validate_transfer(backorder, actor=wanda)
    order.refresh_from_db()
    assert order.state == "received"
    second = services.bill_order(order, books, invoice_date=DAY)
    accounting.post_invoice(second.invoice, books)
    order.refresh_from_db()
    assert order.state == "billed"
    statuses = queries.line_statuses(order)
    assert [(s.ordered, s.received, s.billed) for s in statuses] == [
        (Decimal(100), Decimal(100), Decimal(100))
    ]
    assert queries.mismatches(statuses) == []
    assert PurchaseRequest.objects.get().state == "ordered"
    assert planning.run_reorder_rules(company).requests == []  # 100 on hand: above the minimum
