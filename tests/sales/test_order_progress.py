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
from tandem.core.models import Company, Event, User
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


def _finished(*statuses: LineStatus) -> bool:
    return progress_of(statuses, []).finished


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


@pytest.mark.parametrize("policy", [DELIVERED, ORDERED])
def test_an_order_all_sent_back_and_credited_is_finished_though_nothing_was_sold(policy: str) -> None:
    # ten shipped, ten came back, the invoice of ten credited: nothing to deliver, invoice or credit
    back = _status(policy, delivered="0", returned="10", invoiced="0")
    assert (back.to_deliver, back.to_invoice, back.to_credit) == (0, 0, 0)
    assert _flags(back) == (True, False)  # not "invoiced": nothing was sold
    assert _finished(back)
    # not credited yet, or still on its way back and not credited: not finished
    assert not _finished(_status(policy, delivered="0", returned="10", invoiced="10"))
    assert not _finished(_status(policy, delivered="10", returned="10", returning="10", invoiced="10"))
    # on its way back and credited already: finished, as a partial return credited is
    assert _finished(_status(policy, delivered="10", returned="10", returning="10", invoiced="0"))
    # six shipped and sent back, four still to come: not finished until the four are cancelled
    assert not _finished(_status(policy, delivered="0", returned="6", invoiced="0"))
    assert _finished(_status(policy, delivered="0", returned="6", invoiced="0", cancelled="4"))
    # nothing due at all (everything cancelled): to be cancelled, not finished
    assert not _finished(_status(policy, cancelled="10"))


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
    # finished (what closes the order): something was due and nothing is left to deliver, to
    # invoice or to credit — goods sold, or all sent back and credited
    nothing_left = all(s.to_deliver == 0 and s.to_invoice == 0 and s.to_credit == 0 for s in statuses)
    assert found.finished == (anything_due and nothing_left)
    if found.delivered and found.invoiced:
        assert found.finished


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


# --- everything sent back and credited: the order is done (nothing left to deliver or invoice) ---


def _send_everything_back(order: SalesOrder, admin: User, *, credit: bool) -> None:
    line = order.lines.get()
    made = services.return_goods(order, admin, quantities={line.pk: str(line.quantity)}, credit=credit)
    for transfer in made.transfers:
        inventory.validate_transfer(transfer, None, admin)


@pytest.mark.django_db
@pytest.mark.parametrize("policy", [DELIVERED, ORDERED])
@pytest.mark.parametrize("credit_with_the_return", [True, False])
def test_an_order_delivered_invoiced_all_returned_and_credited_is_done(
    policy: str,
    credit_with_the_return: bool,
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    """Confirm, deliver, invoice four of the ten (posted), the customer sends everything back,
    the four are credited: nothing is left to deliver, invoice or credit, so the order is done,
    not confirmed forever."""
    services.update_settings(company, manager, invoice_policy=policy)
    order = quotation(company, salesperson, customer, (chair, "10"), taxes=[vat])
    services.confirm_order(order, salesperson)
    deliver(order, admin)
    line = order.lines.get()
    accounting.post_invoice(services.invoice_order(order, admin, quantities={line.pk: "4"}), admin)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CONFIRMED  # six still to invoice
    _send_everything_back(order, admin, credit=credit_with_the_return)
    order.refresh_from_db()
    if not credit_with_the_return:
        assert order.state == SalesOrder.State.CONFIRMED  # back, and still to credit
        assert services.has_goods_to_credit(order)
        services.credit_returned(order, admin)
        order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE
    [status] = queries.line_statuses(order)
    assert (status.delivered, status.returned, status.invoiced) == (0, D(10), 0)
    assert (status.to_deliver, status.to_invoice, status.to_credit) == (0, 0, 0)
    found = queries.progress(order)
    assert (found.delivered, found.invoiced, found.finished, found.amount_invoiced) == (True, False, True, 0)
    assert Event.objects.filter(name="salesorder.done", subject_id=str(order.pk)).exists()  # transition


@pytest.mark.django_db
def test_goods_sent_back_and_credited_with_the_rest_cancelled_close_the_order(
    order: SalesOrder, admin: User
) -> None:
    deliver(order, admin, 6)
    services.invoice_order(order, admin)
    line = order.lines.get()
    services.return_goods(order, admin, quantities={line.pk: "6"}, credit=True)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CONFIRMED  # four still to deliver
    _cancel_the_rest(order, admin)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE


@pytest.mark.django_db
def test_an_order_sent_back_before_it_was_invoiced_is_done(order: SalesOrder, admin: User) -> None:
    deliver(order, admin)
    _send_everything_back(order, admin, credit=False)
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE  # nothing to deliver, to invoice or to credit
