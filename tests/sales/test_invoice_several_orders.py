"""One invoice for several confirmed orders of a customer: each invoice line knows the order line
it bills, so each order reads its own invoiced quantities (even of the same product); orders of
different customers, currencies or not confirmed are refused with the reason, nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, Currency, Event, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import queries, services
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import quotation
from tests.sales.test_postgresql import _run
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
D = Decimal


def _delivered(
    company: Company, salesperson: User, admin: User, customer: Partner, *lines: tuple[Product, str]
) -> SalesOrder:
    order = quotation(company, salesperson, customer, *lines)
    services.confirm_order(order, salesperson)
    inventory.validate_transfer(Transfer.objects.get(pk=order.delivery_id), None, admin)
    order.refresh_from_db()
    return order


def test_one_invoice_for_two_orders_each_line_knows_its_order_line(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    first = _delivered(company, salesperson, admin, customer, (chair, "2"))
    second = _delivered(company, salesperson, admin, customer, (chair, "3"), (design, "1"))
    invoice = services.invoice_orders([second, first], admin)
    rows = list(invoice.lines.order_by("sequence"))
    assert [(row.description.split(":")[0], row.quantity) for row in rows] == [
        (first.number, D(2)),
        (second.number, D(3)),
        (second.number, D(1)),
    ]
    links = {link.invoice_line_id: link.order_line_id for link in OrderInvoiceLine.objects.all()}
    assert links == {
        rows[0].pk: first.lines.get().pk,
        rows[1].pk: second.lines.get(product=chair).pk,
        rows[2].pk: second.lines.get(product=design).pk,
    }
    assert set(OrderInvoice.objects.values_list("order_id", flat=True)) == {first.pk, second.pk}
    assert invoice.origin == f"{first.number}, {second.number}"
    for order, wanted in ((first, [D(2)]), (second, [D(3), D(1)])):
        assert [s.invoiced for s in queries.line_statuses(order)] == wanted
        assert all(s.to_invoice == 0 for s in queries.line_statuses(order))
        order.refresh_from_db()
        assert order.state == "done"
    assert Event.objects.filter(name="salesorder.invoiced", data__invoice=invoice.pk).count() == 2
    with pytest.raises(BusinessError, match="Nothing is left"):
        services.invoice_orders([first, second], admin)


def test_orders_of_different_customers_currencies_or_states_are_refused(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    make_partner: object,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    mine = _delivered(company, salesperson, admin, customer, (chair, "1"))
    other = _delivered(
        company, salesperson, admin, make_partner("Hotel Bristol", owner=salesperson), (chair, "1")
    )  # type: ignore[operator]
    draft = quotation(company, salesperson, customer, (chair, "1"))
    dollars = _delivered(company, salesperson, admin, customer, (chair, "1"))
    usd = Currency.objects.exclude(code=company.currency_id).order_by("code").first()
    SalesOrder.objects.filter(pk=dollars.pk).update(currency=usd)
    before = (Invoice.objects.count(), OrderInvoice.objects.count(), Event.objects.count())
    for orders, words in [
        ([mine, other], "different customers"),
        ([mine, dollars], "different currencies"),
        ([mine, draft], "Only confirmed orders"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.invoice_orders(orders, admin)
        assert words in " ".join(refused.value.errors["ids"])
    with pytest.raises(ValidationFailed):
        services.invoice_orders([], admin)
    assert (Invoice.objects.count(), OrderInvoice.objects.count(), Event.objects.count()) == before


def test_several_orders_over_the_api_and_from_the_list(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    make_partner: object,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    first = _delivered(company, salesperson, admin, customer, (chair, "1"))
    second = _delivered(company, salesperson, admin, customer, (chair, "1"))
    other = _delivered(
        company, salesperson, admin, make_partner("Hotel Bristol", owner=salesperson), (chair, "1")
    )  # type: ignore[operator]
    url = "/api/v1/sales/orders/invoice/"
    assert_problem(api_client(salesperson).post(url, {"ids": [first.pk, second.pk]}, format="json"), 403)
    assert_problem(api_client(admin).post(url, {"ids": [first.pk, other.pk]}, format="json"), 400, "ids")
    assert_problem(api_client(admin).post(url, {"ids": [first.pk, 999999]}, format="json"), 400, "ids")
    assert_problem(api_client(admin).post(url, {"ids": []}, format="json"), 400, "ids")
    assert not Invoice.objects.exists()
    made = api_client(admin).post(url, {"ids": [first.pk, second.pk]}, format="json")
    assert made.status_code == 201, made.content
    assert Invoice.objects.get(pk=made.json()["invoice"]).lines.count() == 2

    third = _delivered(company, salesperson, admin, customer, (chair, "2"))
    fourth = _delivered(company, salesperson, admin, customer, (chair, "1"))
    page = signed_in(admin).get(reverse("sales:order_list")).content.decode()
    assert 'id="orders-invoice"' in page and f'name="ids" value="{third.pk}"' in page
    refused = signed_in(admin).post(reverse("sales:orders_invoice"), {"ids": [third.pk, other.pk]})
    assert refused.status_code == 302 and Invoice.objects.count() == 1
    done = signed_in(admin).post(reverse("sales:orders_invoice"), {"ids": [third.pk, fourth.pk]})
    invoice = Invoice.objects.order_by("-id").first()
    assert invoice is not None and done["Location"] == invoice.get_absolute_url()
    assert invoice.lines.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
def test_parallel_invoicing_of_the_same_orders_invoices_each_line_once(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    orders = [_delivered(company, salesperson, admin, customer, (chair, "1")).pk for _ in range(3)]

    def work(n: int) -> None:
        chosen = SalesOrder.objects.filter(pk__in=orders)
        if n % 2:
            services.invoice_order(chosen.get(pk=orders[n % 3]), admin)
        else:
            services.invoice_orders(list(chosen), admin)

    errors = _run(6, work)
    assert all(isinstance(error, BusinessError) for error in errors), errors
    for pk in orders:
        [status] = queries.line_statuses(SalesOrder.objects.get(pk=pk))
        assert status.invoiced == 1
