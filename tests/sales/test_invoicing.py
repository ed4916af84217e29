"""Invoicing an order: the invoice policy per product over the company's default, the refusal
of more than the policy allows; customer returns with their credit notes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Move, Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import InvoicePolicy, ProductInvoicePolicy, SalesOrder
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import quotation
from tests.sales.test_postgresql import _run

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_product_invoiced_on_ordered_quantities_overrides_the_company_default(
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    services.update_settings(company, manager, invoice_policy=InvoicePolicy.DELIVERED)
    services.set_invoice_policy(company, manager, product=chair, invoice_policy=InvoicePolicy.ORDERED)
    assert Event.objects.filter(name="product.invoice_policy_changed", subject_id=chair.pk).exists()
    order = quotation(company, salesperson, customer, (chair, "4"))
    [line] = order.lines.all()
    assert line.invoice_policy == InvoicePolicy.ORDERED
    services.confirm_order(order, salesperson)
    invoice = services.invoice_order(order, admin)  # nothing delivered: invoiced as ordered
    assert [(row.product, row.quantity) for row in invoice.lines.all()] == [(chair, D(4))]

    services.set_invoice_policy(company, manager, product=chair, invoice_policy=None)
    assert not ProductInvoicePolicy.objects.exists()
    later = quotation(company, salesperson, customer, (chair, "1"))
    assert later.lines.get().invoice_policy == InvoicePolicy.DELIVERED  # the default again


def test_invoicing_more_than_delivered_is_refused_with_the_policy_named(
    company: Company, salesperson: User, admin: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "2"))
    services.confirm_order(order, salesperson)
    line = order.lines.get()
    with pytest.raises(ValidationFailed) as refused:
        services.invoice_order(order, admin, quantities={line.pk: "1"})
    assert refused.value.errors[f"lines.{line.pk}"] == [
        f"At most 0 of {chair} can be invoiced now (Delivered quantities)."
    ]
    assert not Invoice.objects.exists()


def test_a_product_policy_refuses_services_other_companies_and_unknown_policies(
    company: Company, other_company: Company, manager: User, admin: User, chair: Product, design: Product
) -> None:
    with pytest.raises(ValidationFailed, match="always invoiced on ordered"):
        services.set_invoice_policy(company, manager, product=design, invoice_policy=InvoicePolicy.DELIVERED)
    with pytest.raises(ValidationFailed) as refused:
        services.set_invoice_policy(company, manager, product=chair, invoice_policy="weekly")
    assert "invoice_policy" in refused.value.errors
    with pytest.raises(ValidationFailed) as refused:
        services.set_invoice_policy(other_company, admin, product=chair, invoice_policy=InvoicePolicy.ORDERED)
    assert "product" in refused.value.errors
    assert not ProductInvoicePolicy.objects.exists()
    assert not Event.objects.filter(name="product.invoice_policy_changed").exists()


def _delivered_and_invoiced(order: SalesOrder, admin: User) -> None:
    delivery = Transfer.objects.get(pk=order.delivery_id)
    inventory.validate_transfer(delivery, None, admin)
    services.invoice_order(order, admin)


def test_a_return_brings_goods_back_and_credits_what_was_invoiced(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    order = quotation(company, salesperson, customer, (chair, "5"), taxes=[vat])
    services.confirm_order(order, salesperson)
    _delivered_and_invoiced(order, admin)
    line = order.lines.get()
    made = services.return_goods(order, admin, quantities={line.pk: "2"}, credit=True)
    [back] = made.transfers
    assert back.return_of_id == order.delivery_id and back.partner_id == customer.pk
    note = made.credit_note
    assert note is not None and note.kind == Invoice.Kind.CUSTOMER_CREDIT_NOTE and note.state == "draft"
    assert [(row.product, row.quantity, row.price_unit) for row in note.lines.all()] == [
        (chair, D(2), D(100))
    ]
    [status] = queries.line_statuses(order)
    assert (status.delivered, status.invoiced) == (D(5), D(3))  # the goods are not back yet
    inventory.validate_transfer(back, None, admin)
    [status] = queries.line_statuses(order)
    assert (status.delivered, status.invoiced, status.to_invoice) == (D(3), D(3), D(0))
    event = Event.objects.get(name="salesorder.returned")
    assert event.data["credit_note"] == note.pk and event.data["quantities"] == {str(line.pk): "2"}


def test_a_return_of_more_than_went_out_or_of_a_service_writes_nothing(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    order = quotation(company, salesperson, customer, (chair, "3"), (design, "1"))
    services.confirm_order(order, salesperson)
    chairs, hours = order.lines.order_by("sequence")
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    transfers, invoices = Transfer.objects.count(), Invoice.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.return_goods(order, admin, quantities={chairs.pk: "4", hours.pk: "1", "999999": "1"})
    assert set(refused.value.errors) == {f"lines.{chairs.pk}", f"lines.{hours.pk}", "lines.999999"}
    with pytest.raises(ValidationFailed) as refused:
        services.return_goods(order, admin, quantities={chairs.pk: "1"}, credit=True)  # nothing invoiced
    assert "credit" in refused.value.errors
    with pytest.raises(ValidationFailed):
        services.return_goods(order, admin, quantities={chairs.pk: "-1"})
    assert (Transfer.objects.count(), Invoice.objects.count()) == (transfers, invoices)
    assert not Event.objects.filter(name="salesorder.returned").exists()
    services.return_goods(order, admin, quantities={chairs.pk: "2"})
    with pytest.raises(ValidationFailed, match="not yet returned"):  # 2 of 3 are on their way back
        services.return_goods(order, admin, quantities={chairs.pk: "2"})


def test_a_return_over_the_api(
    company: Company,
    salesperson: User,
    manager: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
) -> None:
    order = quotation(company, salesperson, customer, (chair, "2"))
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    line = order.lines.get()
    url = f"/api/v1/sales/orders/{order.pk}/return/"
    assert_problem(
        api_client(salesperson).post(url, {"lines": [{"line": line.pk, "quantity": "1"}]}, format="json"), 403
    )
    assert_problem(
        api_client(manager).post(url, {"lines": [{"line": line.pk, "quantity": "5"}]}, format="json"),
        400,
        f"lines.{line.pk}",
    )
    made = api_client(manager).post(url, {"lines": [{"line": line.pk, "quantity": "1"}]}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["credit_note"] is None and len(made.json()["transfers"]) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_parallel_returns_of_one_order_never_bring_back_more_than_went_out(
    company: Company, salesperson: User, admin: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "3"))
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    line = order.lines.get()
    errors = _run(
        4,
        lambda n: services.return_goods(
            SalesOrder.objects.get(pk=order.pk), admin, quantities={line.pk: "2"}
        ),
    )
    assert len(errors) == 3 and all(isinstance(e, ValidationFailed) for e in errors), errors
    back = Move.objects.filter(transfer__return_of__isnull=False, product=chair)
    assert sum((move.quantity for move in back), D(0)) == 2
