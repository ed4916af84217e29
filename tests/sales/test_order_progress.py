"""Where an order stands once what is left of it is cancelled (issue 17): a backorder or the rest
of the order cancelled, the order counts what is still due — ordered less cancelled — so an order
delivered and invoiced for everything not cancelled reads delivered and invoiced, and is done.
The derived flags are a pure function of the facts (``queries.progress_of``): unit and property
tests of it, then the services that close the order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tandem.accounting.models import Invoice, Tax
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import InvoicePolicy, SalesOrder, SalesOrderLine
from tandem.sales.queries import LineStatus, progress_of
from tests.kit.views import signed_in
from tests.sales.conftest import deliver, quotation

D = Decimal
DELIVERED, ORDERED = InvoicePolicy.DELIVERED, InvoicePolicy.ORDERED


def _status(policy: str = DELIVERED, ordered: str = "10", **facts: str) -> LineStatus:
    line = SalesOrderLine(quantity=D(ordered), invoice_policy=policy)
    return LineStatus(line, D(ordered), **{name: D(value) for name, value in facts.items()})


def _flags(*statuses: LineStatus) -> tuple[bool, bool]:
    found = progress_of(statuses, [])
    return found.delivered, found.invoiced


# --- the pure function -------------------------------------------------------------------------


def test_a_partial_delivery_whose_backorder_is_cancelled_reads_delivered_and_invoiced() -> None:
    assert _flags(_status(delivered="6", invoiced="6")) == (False, False)  # four still to come
    settled = _status(delivered="6", invoiced="6", cancelled="4")
    assert (settled.due, settled.to_deliver, settled.to_invoice, settled.to_credit) == (D(6), 0, 0, 0)
    assert _flags(settled) == (True, True)


def test_goods_invoiced_as_ordered_then_cancelled_are_to_credit_until_credited() -> None:
    billed = _status(ORDERED, delivered="6", invoiced="10", cancelled="4")
    assert (billed.invoiceable, billed.to_invoice, billed.to_credit) == (D(6), 0, D(4))
    assert _flags(billed) == (True, False)
    assert _flags(_status(ORDERED, delivered="6", invoiced="6", cancelled="4")) == (True, True)


def test_a_cancelled_rest_is_never_invoiced_under_the_ordered_policy() -> None:
    status = _status(ORDERED, delivered="6", cancelled="4")
    assert (status.invoiceable, status.to_invoice) == (D(6), D(6))


def test_an_order_of_which_everything_was_cancelled_is_neither_delivered_nor_invoiced() -> None:
    assert _flags(_status(cancelled="10"), _status(ordered="2", cancelled="2")) == (False, False)


def test_goods_sent_back_were_delivered_and_are_settled_by_their_credit_note() -> None:
    # ten shipped, three came back: delivered all the same; invoiced once the three are credited
    assert _flags(_status(delivered="7", returned="3", invoiced="10")) == (True, False)
    assert _flags(_status(delivered="7", returned="3", invoiced="7")) == (True, True)
    # on their way back: still counted delivered, and to credit already
    on_the_way = _status(delivered="10", returned="3", returning="3", invoiced="10")
    assert (on_the_way.shipped, on_the_way.to_credit) == (D(10), D(3))
    assert _flags(on_the_way) == (True, False)


def test_delivered_goods_not_invoiced_keep_the_order_from_reading_invoiced() -> None:
    assert _flags(_status(delivered="6", invoiced="4", cancelled="4")) == (True, False)
    assert _flags(_status(ORDERED, invoiced="10")) == (False, True)  # billed before delivery


def test_every_line_counts() -> None:
    done = _status(delivered="6", invoiced="6", cancelled="4")
    assert _flags(done, _status(ordered="1", delivered="1")) == (True, False)
    assert _flags(done, _status(ordered="1", cancelled="1")) == (True, True)  # a line all cancelled


def quarters(most: Decimal) -> st.SearchStrategy[Decimal]:
    return st.integers(0, int(most * 4)).map(lambda n: D(n) / 4)


@st.composite
def line_facts(draw: st.DrawFn) -> tuple[LineStatus, bool]:
    """A line's facts as they can happen, and whether they are settled (delivered and invoiced
    for all that is due, every return credited)."""
    ordered = draw(st.integers(1, 40).map(lambda n: D(n) / 4))
    shipped = draw(quarters(ordered))
    cancelled = draw(st.sampled_from([D(0), ordered - shipped]))
    returned = draw(quarters(shipped))
    returning = draw(quarters(returned))
    policy = draw(st.sampled_from([DELIVERED, ORDERED]))
    settled = draw(st.booleans())
    billed_in_the_end = max(ordered - cancelled - returned, D(0))
    invoiced = billed_in_the_end if settled else draw(quarters(ordered))
    line = SalesOrderLine(quantity=ordered, invoice_policy=policy)
    status = LineStatus(
        line, ordered, shipped - (returned - returning), invoiced, returned, returning, cancelled
    )
    return status, settled and shipped + cancelled == ordered and invoiced == billed_in_the_end


@given(st.lists(line_facts(), min_size=1, max_size=5))
def test_the_flags_read_what_is_due(lines: list[tuple[LineStatus, bool]]) -> None:
    statuses = [status for status, _settled in lines]
    found = progress_of(statuses, [])
    anything_due = any(status.due > 0 for status in statuses)
    anything_billed = any(status.invoiced > 0 for status in statuses)
    if all(settled for _status, settled in lines) and anything_due and anything_billed:
        assert found.delivered and found.invoiced  # settled for all that is due: it may be closed
    if not anything_billed:
        assert not found.invoiced  # nothing sold: every good sent back and credited, or none billed
    if found.delivered:
        assert all(status.to_deliver == 0 for status in statuses)
    if found.invoiced:
        assert all(status.to_invoice == 0 and status.to_credit == 0 for status in statuses)
        assert all(status.invoiced <= status.due for status in statuses)  # nothing cancelled billed
    if any(status.to_invoice > 0 or status.to_credit > 0 for status in statuses):
        assert not found.invoiced
    if not anything_due:
        assert not found.delivered and not found.invoiced


# --- the order closes ------------------------------------------------------------------------


def _cancel_the_rest(order: SalesOrder, actor: User) -> None:
    [backorder] = queries.open_deliveries(order)
    inventory.cancel_transfer(backorder, actor)


@pytest.mark.django_db
def test_the_invoice_after_the_rest_is_cancelled_closes_the_order(order: SalesOrder, admin: User) -> None:
    deliver(order, admin, 6)
    _cancel_the_rest(order, admin)
    [status] = queries.line_statuses(order)
    assert (status.due, status.cancelled, status.to_deliver, status.to_invoice) == (D(6), D(4), 0, D(6))
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CONFIRMED  # delivered, not invoiced yet
    page = signed_in(admin).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "data-cancelled" in page and "4 cancelled" in page
    accounting.post_invoice(services.invoice_order(order, admin), admin)
    order.refresh_from_db()
    found = queries.progress(order)
    assert (order.state, found.delivered, found.invoiced) == (SalesOrder.State.DONE, True, True)


@pytest.mark.django_db
def test_cancelling_the_rest_after_the_invoice_closes_the_order(order: SalesOrder, admin: User) -> None:
    deliver(order, admin, 6)
    services.invoice_order(order, admin)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CONFIRMED
    _cancel_the_rest(order, admin)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE


@pytest.mark.django_db
def test_goods_invoiced_as_ordered_and_cancelled_close_the_order_once_credited(
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    services.set_invoice_policy(company, manager, product=chair, invoice_policy=InvoicePolicy.ORDERED)
    order = quotation(company, salesperson, customer, (chair, "10"), taxes=[vat])
    services.confirm_order(order, salesperson)
    accounting.post_invoice(services.invoice_order(order, admin), admin)
    deliver(order, admin, 6)
    _cancel_the_rest(order, admin)
    order.refresh_from_db()
    [status] = queries.line_statuses(order)
    assert (order.state, status.to_invoice, status.to_credit) == (SalesOrder.State.CONFIRMED, 0, D(4))
    assert services.has_goods_to_credit(order)
    note = services.credit_returned(order, admin)
    assert note.kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE
    assert [(line.product_id, line.quantity) for line in note.lines.all()] == [(chair.pk, D(4))]
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE


@pytest.mark.django_db
def test_an_order_whose_whole_delivery_is_cancelled_stays_open_to_be_cancelled(
    order: SalesOrder, admin: User
) -> None:
    [delivery] = queries.open_deliveries(order)
    inventory.cancel_transfer(delivery, admin)
    order.refresh_from_db()
    found = queries.progress(order)
    assert (order.state, found.delivered, found.invoiced) == (SalesOrder.State.CONFIRMED, False, False)
    services.cancel_order(order, admin)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CANCELLED
