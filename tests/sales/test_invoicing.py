"""Invoicing an order: the invoice policy per product over the company's default, the refusal
of more than the policy allows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import InvoicePolicy, ProductInvoicePolicy
from tests.sales.conftest import quotation

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
