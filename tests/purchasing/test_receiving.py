"""Receiving a purchase order through inventory: the receipt on confirmation, partial receipts
with a backorder, the over-receipt tolerance (on the order's page and the warehouse's own
receipt screen alike), received quantities derived from the moves, the bill on what came in."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.inventory.queries import availability
from tandem.partners.models import Partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import PurchaseOrder
from tests.purchasing.conftest import DAY, order_of
from tests.web.support import signed_in


@pytest.fixture
def main_warehouse(company: Company, admin: User) -> Warehouse:
    return inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")


@pytest.fixture
def confirmed(
    company: Company, purchaser: User, timber_co: Partner, oak: Product, main_warehouse: Warehouse
) -> PurchaseOrder:
    order = order_of(company, purchaser, timber_co, (oak, "100", "12"))
    return services.confirm_order(order, purchaser)


def test_confirming_creates_the_receipt_with_its_expected_date(
    confirmed: PurchaseOrder, oak: Product, main_warehouse: Warehouse
) -> None:
    receipt = confirmed.receipt
    assert (
        receipt is not None and receipt.kind == Transfer.Kind.RECEIPT and receipt.origin == confirmed.number
    )
    move = receipt.moves.get()
    assert (move.product, move.quantity, move.expected_date) == (
        oak,
        Decimal(100),
        confirmed.lines.get().expected_date,
    )
    assert confirmed.warehouse == main_warehouse
    assert availability(oak, main_warehouse, DAY + datetime.timedelta(days=400)).incoming == Decimal(100)


def test_a_partial_receipt_leaves_a_backorder_and_the_rest_comes_later(
    confirmed: PurchaseOrder, purchaser: User, oak: Product, main_warehouse: Warehouse
) -> None:
    line = confirmed.lines.get()
    services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal(60)})
    assert confirmed.state == "confirmed"
    [status] = queries.line_statuses(confirmed)
    assert (status.ordered, status.received, status.to_receive) == (Decimal(100), Decimal(60), Decimal(40))
    backorder = queries.open_receipts(confirmed).get()
    assert backorder.backorder_of == confirmed.receipt and backorder.moves.get().quantity == Decimal(40)
    assert availability(oak, main_warehouse).on_hand == Decimal(60)
    services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal(40)})
    assert confirmed.state == "received" and confirmed.received_at is not None
    assert queries.line_statuses(confirmed)[0].received == Decimal(100)


def test_receiving_more_than_ordered_beyond_the_tolerance_is_refused_and_nothing_written(
    confirmed: PurchaseOrder,
    purchaser: User,
    company: Company,
    admin: User,
    oak: Product,
    main_warehouse: Warehouse,
) -> None:
    services.update_settings(company, admin, receipt_tolerance="5")
    line = confirmed.lines.get()
    before = Event.objects.count(), Transfer.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal("105.01")})
    assert "more than the 100 ordered plus the 5 % tolerance" in refused.value.errors[f"lines.{line.pk}"][0]
    assert (Event.objects.count(), Transfer.objects.count()) == before
    assert availability(oak, main_warehouse).on_hand == 0
    services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal(105)})  # within the tolerance
    assert confirmed.state == "received" and queries.line_statuses(confirmed)[0].received == Decimal(105)


def test_the_warehouse_screen_cannot_take_in_more_than_the_tolerance_either(
    confirmed: PurchaseOrder, admin: User, oak: Product, main_warehouse: Warehouse
) -> None:
    receipt = confirmed.receipt
    assert receipt is not None
    move = receipt.moves.get()
    with pytest.raises(ValidationFailed):
        inventory.validate_transfer(receipt, {move.pk: Decimal(120)}, admin)
    receipt.refresh_from_db()
    assert receipt.state != "done" and availability(oak, main_warehouse).on_hand == 0
    inventory.validate_transfer(receipt, {move.pk: Decimal(100)}, admin)
    confirmed.refresh_from_db()
    assert confirmed.state == "received"  # whatever screen took the goods in


def test_bad_receiving_input_is_refused(confirmed: PurchaseOrder, purchaser: User) -> None:
    line = confirmed.lines.get()
    for quantities in ({line.pk: Decimal(-1)}, {line.pk: Decimal(0)}, {999999: Decimal(1)}):
        with pytest.raises(ValidationFailed):
            services.receive_order(confirmed, purchaser, quantities=quantities)
    draft = order_of(confirmed.company, purchaser, confirmed.partner, (line.product, "1", "1"))
    with pytest.raises(BusinessError):
        services.receive_order(draft, purchaser, quantities={draft.lines.get().pk: Decimal(1)})


def test_a_confirmed_order_with_goods_received_is_not_cancelled(
    confirmed: PurchaseOrder, purchaser: User
) -> None:
    services.receive_order(confirmed, purchaser, quantities={confirmed.lines.get().pk: Decimal(10)})
    with pytest.raises(BusinessError):
        services.cancel_order(confirmed, purchaser)


def test_cancelling_before_anything_came_cancels_the_receipt(
    confirmed: PurchaseOrder, purchaser: User
) -> None:
    services.cancel_order(confirmed, purchaser)
    assert confirmed.state == "cancelled"
    assert (
        confirmed.receipt is not None and Transfer.objects.get(pk=confirmed.receipt.pk).state == "cancelled"
    )


def test_the_bill_takes_what_was_received_and_warns_when_the_supplier_bills_more(
    confirmed: PurchaseOrder, purchaser: User, admin: User, company: Company, oak: Product
) -> None:
    charts.install_chart(company, None, "ifrs", today=DAY)
    line = confirmed.lines.get()
    services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal(60)})
    result = services.bill_order(confirmed, admin, invoice_date=DAY)
    assert [(ln.quantity, ln.price_unit) for ln in result.invoice.lines.all()] == [(Decimal(60), Decimal(12))]
    assert result.warnings == [] and confirmed.state == "confirmed"
    services.receive_order(confirmed, purchaser, quantities={line.pk: Decimal(40)})
    second = services.bill_order(confirmed, admin, invoice_date=DAY)
    assert second.invoice.lines.get().quantity == Decimal(40) and second.warnings == []
    confirmed.refresh_from_db()
    assert confirmed.state == "billed"


def test_receiving_on_the_page_shows_the_backorder(confirmed: PurchaseOrder, purchaser: User) -> None:
    client = signed_in(purchaser)
    line = confirmed.lines.get()
    url = reverse("purchasing:order_receive", args=[confirmed.pk])
    refused = client.post(url, {f"line_{line.pk}": "500"})
    assert refused.status_code == 400 and "tolerance" in refused.content.decode()
    assert client.post(url, {f"line_{line.pk}": "30"}).status_code == 302
    page = client.get(reverse("purchasing:order_detail", args=[confirmed.pk])).content.decode()
    assert "data-received>30<" in page and 'id="order-receipts"' in page and "backorder" in page.lower()
