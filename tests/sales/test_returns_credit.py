"""Goods that came back are credited, never invoiced again: what a line may still be invoiced is
its policy's quantity (ordered, or delivered) less what was returned, less what is invoiced net
of credit notes; returned goods not credited yet are shown "to credit"."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.models import Invoice, InvoiceLine, Tax
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError
from tandem.core.models import Company, Event, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import InvoicePolicy, SalesOrder
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def _status(order: SalesOrder) -> queries.LineStatus:
    [status] = queries.line_statuses(order)
    return status


def _returns(order: SalesOrder) -> list[Transfer]:
    return list(
        Transfer.objects.filter(return_of__isnull=False, state__in=["waiting", "ready"]).order_by("id")
    )


@pytest.mark.parametrize("policy", [InvoicePolicy.DELIVERED, InvoicePolicy.ORDERED])
def test_credited_returned_goods_are_not_invoiceable_again(
    policy: str,
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    services.update_settings(company, manager, invoice_policy=policy)
    order = quotation(company, salesperson, customer, (chair, "5"), taxes=[vat])
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    services.invoice_order(order, admin)
    line = order.lines.get()
    made = services.return_goods(order, admin, quantities={line.pk: "2"}, credit=True)
    assert made.credit_note is not None
    status = _status(order)  # the goods are on their way back
    assert (status.invoiced, status.to_invoice, status.to_credit) == (D(3), D(0), D(0))
    inventory.validate_transfer(made.transfers[0], None, admin)
    status = _status(order)
    assert (status.delivered, status.invoiced, status.returned) == (D(3), D(3), D(2))
    assert (status.to_invoice, status.to_credit) == (D(0), D(0))
    with pytest.raises(BusinessError):
        services.invoice_order(order, admin)


@pytest.mark.parametrize("policy", [InvoicePolicy.DELIVERED, InvoicePolicy.ORDERED])
def test_returned_goods_not_credited_are_to_credit(
    policy: str,
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    services.update_settings(company, manager, invoice_policy=policy)
    order = quotation(company, salesperson, customer, (chair, "5"))
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    services.invoice_order(order, admin)
    line = order.lines.get()
    made = services.return_goods(order, admin, quantities={line.pk: "2"})
    assert made.credit_note is None
    status = _status(order)  # on the way back
    assert (status.invoiced, status.to_invoice, status.to_credit) == (D(5), D(0), D(2))
    inventory.validate_transfer(made.transfers[0], None, admin)
    status = _status(order)  # back
    assert (status.delivered, status.invoiced, status.to_invoice, status.to_credit) == (
        D(3),
        D(5),
        D(0),
        D(2),
    )


def test_goods_delivered_but_not_invoiced_that_come_back_are_not_credited(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    order = quotation(company, salesperson, customer, (chair, "5"))
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    line = order.lines.get()
    services.invoice_order(order, admin, quantities={line.pk: "3"})
    with pytest.raises(BusinessError):  # the customer keeps the 3 invoiced
        services.return_goods(order, admin, quantities={line.pk: "2"}, credit=True)
    made = services.return_goods(order, admin, quantities={line.pk: "3"}, credit=True)
    assert made.credit_note is not None
    assert [row.quantity for row in made.credit_note.lines.all()] == [D(1)]
    status = _status(order)
    assert (status.invoiced, status.to_invoice, status.to_credit) == (D(2), D(0), D(0))


def test_the_credit_action_says_it_credits_cancelled_goods_too(
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    """Goods invoiced as ordered whose rest of delivery was cancelled are credited by the same
    action as goods sent back: its label and message say both, for the accountant who reads them
    (and nothing on the page still calls it "returned goods" only)."""
    services.set_invoice_policy(company, manager, product=chair, invoice_policy=InvoicePolicy.ORDERED)
    order = quotation(company, salesperson, customer, (chair, "5"), taxes=[vat])
    services.confirm_order(order, salesperson)
    services.invoice_order(order, admin)
    delivery = Transfer.objects.get(pk=order.delivery_id)
    inventory.validate_transfer(delivery, {delivery.moves.get().pk: 3}, admin)
    [backorder] = queries.open_deliveries(order)
    inventory.cancel_transfer(backorder, admin)
    client = signed_in(admin)
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-action="credit"' in page
    assert "Credit returned or cancelled goods" in page and "Credit returned goods" not in page
    response = client.post(reverse("sales:order_credit", args=[order.pk]), follow=True)
    assert "credit note for the returned or cancelled goods" in response.content.decode()
    with pytest.raises(BusinessError, match="returned or cancelled"):
        services.credit_returned(order, admin)


# --- property: any sequence of deliver / return / invoice / credit ---------------------------

deliver_op = st.tuples(st.just("deliver"), st.integers(1, 4), st.booleans())
return_op = st.tuples(st.just("return"), st.integers(1, 3), st.booleans())
invoice_op = st.tuples(st.just("invoice"), st.integers(0, 4), st.booleans())
back_op = st.tuples(st.just("back"), st.integers(0, 2), st.booleans())
steps_strategy = st.lists(st.one_of(deliver_op, return_op, invoice_op, back_op), min_size=1, max_size=8)


def _invoiced(order: SalesOrder, kind: str) -> Decimal:
    rows = InvoiceLine.objects.filter(
        invoice__in=order.invoices.values("invoice"), invoice__kind=kind
    ).exclude(invoice__state=Invoice.State.CANCELLED)
    return sum((row.quantity for row in rows), D(0))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(policy=st.sampled_from([InvoicePolicy.DELIVERED, InvoicePolicy.ORDERED]), steps=steps_strategy)
def test_nothing_is_invoiced_twice_under_any_sequence(
    policy: str,
    steps: list[tuple[str, int, bool]],
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    with transaction.atomic():
        services.update_settings(company, manager, invoice_policy=policy)
        order = quotation(company, salesperson, customer, (chair, "6"))
        services.confirm_order(order, salesperson)
        line = order.lines.get()
        for kind, amount, flag in steps:
            before = _status(order)
            with contextlib.suppress(BusinessError):
                if kind == "deliver":
                    for delivery in queries.open_deliveries(order).order_by("id")[:1]:
                        move = delivery.moves.get()
                        inventory.validate_transfer(delivery, {move.pk: min(amount, move.quantity)}, admin)
                elif kind == "return":
                    services.return_goods(order, admin, quantities={line.pk: amount}, credit=flag)
                    if flag:  # the credit note takes back what of these goods was invoiced
                        assert _status(order).to_credit <= before.to_credit
                elif kind == "invoice":
                    services.invoice_order(order, admin, quantities={line.pk: amount} if flag else None)
                elif kind == "back":
                    for back in _returns(order)[amount : amount + 1]:
                        inventory.validate_transfer(back, None, admin)
            status = _status(order)
            shipped = status.delivered + status.returned - status.returning
            policy_quantity = status.ordered if policy == InvoicePolicy.ORDERED else shipped
            invoiced = _invoiced(order, Invoice.Kind.CUSTOMER_INVOICE)
            credited = _invoiced(order, Invoice.Kind.CUSTOMER_CREDIT_NOTE)
            assert status.invoiced == invoiced - credited
            # nothing is invoiced twice: what was ever invoiced is at most the ordered or shipped
            assert invoiced <= policy_quantity, (steps, kind)
            # net of credits, never beyond the policy less returns — but for goods returned and
            # not (yet) credited, which show "to credit"
            assert invoiced - credited <= policy_quantity - status.returned + status.to_credit
            assert status.to_credit <= status.returned
            assert status.to_invoice == max(policy_quantity - status.returned - status.invoiced, D(0))
            assert status.to_invoice == 0 or status.to_credit == 0
        transaction.set_rollback(True)


def test_goods_returned_without_a_credit_note_are_credited_later_once(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    """Returned without a credit note, the two chairs are "to credit": the order's page offers
    the action to the accountant (not to the salesperson), the draft credit note takes them, and
    asking again — on the page or over the API — credits nothing more and writes nothing."""
    order = quotation(company, salesperson, customer, (chair, "5"), taxes=[vat])
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    services.invoice_order(order, admin)
    line = order.lines.get()
    with pytest.raises(BusinessError, match="nothing to credit"):
        services.credit_returned(order, admin)
    made = services.return_goods(order, admin, quantities={line.pk: "2"})
    inventory.validate_transfer(made.transfers[0], None, admin)
    url = reverse("sales:order_detail", args=[order.pk])
    assert 'data-action="credit"' not in signed_in(salesperson).get(url).content.decode()
    page = signed_in(admin).get(url).content.decode()
    assert 'data-action="credit"' in page and "2 to credit" in page

    response = signed_in(admin).post(reverse("sales:order_credit", args=[order.pk]))
    assert response.status_code in (200, 302)
    note = Invoice.objects.get(kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE)
    assert (note.state, [row.quantity for row in note.lines.all()]) == ("draft", [D(2)])
    assert note.amount_total == D("246.00")
    assert _status(order).to_credit == 0
    assert Event.objects.get(name="salesorder.credited").data["credit_note"] == note.pk
    assert 'data-action="credit"' not in signed_in(admin).get(url).content.decode()

    notes = Invoice.objects.count()
    refused = api_client(admin).post(f"/api/v1/sales/orders/{order.pk}/credit/")
    assert_problem(refused, 400)
    assert Invoice.objects.count() == notes and Event.objects.filter(name="salesorder.credited").count() == 1


def test_a_returned_order_page_reads_the_line_statuses_once(
    company: Company,
    admin: User,
    salesperson: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
    pinned_queries: Any,
) -> None:
    """The page of a confirmed order with goods to credit: its rows, progress, promise and the
    "Credit returned or cancelled goods" button share one reading of the line statuses (pinned count)."""
    order = quotation(company, salesperson, customer, (chair, "5"), taxes=[vat])
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    services.invoice_order(order, admin)
    made = services.return_goods(order, admin, quantities={order.lines.get().pk: "2"})
    inventory.validate_transfer(made.transfers[0], None, admin)
    client = signed_in(admin)
    url = reverse("sales:order_detail", args=[order.pk])
    assert 'data-action="credit"' in client.get(url).content.decode()
    pinned_queries.check("sales:order_detail:returned", lambda: client.get(url))
