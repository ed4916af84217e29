"""The three-way match on the supplier bill, where the accountant approves it: purchasing adds a
panel and warnings to accounting's invoice page and API (``core.registry.RecordPanel`` and
``RecordWarnings``), accounting importing nothing of purchasing; another company's order never
shows through."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import Invoice
from tandem.accounting.services import charts
from tandem.accounting.services import invoices as invoicing
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import OrderBill, PurchaseOrder
from tests.kit.api import api_client
from tests.purchasing.conftest import DAY, order_of
from tests.web.support import signed_in


@pytest.fixture
def accountant(make_user: Any) -> User:
    return make_user("alice", roles.ACCOUNTANT)


@pytest.fixture
def confirmed(
    company: Company, admin: User, purchaser: User, timber_co: Partner, oak: Product
) -> PurchaseOrder:
    charts.install_chart(company, None, "ifrs", today=DAY)
    inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    order = services.confirm_order(order_of(company, purchaser, timber_co, (oak, "100", "12")), purchaser)
    services.receive_order(order, purchaser, quantities={order.lines.get().pk: Decimal(60)})
    return order


@pytest.fixture
def bill(confirmed: PurchaseOrder, admin: User) -> Invoice:
    """A draft bill of the 60 received at the ordered price: it matches."""
    return services.bill_order(confirmed, admin, invoice_date=DAY).invoice


def _rewrite(bill: Invoice, admin: User, *lines: tuple[Product, str, str]) -> None:
    account = bill.lines.first().account  # type: ignore[union-attr]
    invoicing.update_invoice(
        bill,
        admin,
        {},
        lines=[
            invoicing.LineData(product=p, quantity=q, price_unit=price, account=account)
            for p, q, price in lines
        ],
    )


def _page(user: User, invoice: Invoice) -> str:
    response = signed_in(user).get(reverse("accounting:invoice_detail", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _api_warnings(user: User, invoice: Invoice) -> list[str]:
    response = api_client(user).get(f"/api/v1/accounting/invoices/{invoice.pk}/")
    assert response.status_code == 200, response.content[:300]
    return list(response.json()["warnings"])


def test_a_matched_bill_shows_its_order_and_no_warning(
    bill: Invoice, confirmed: PurchaseOrder, accountant: User
) -> None:
    page = _page(accountant, bill)
    assert 'id="record-warnings"' not in page
    assert 'id="bill-match"' in page and confirmed.number in page and "Matches" in page
    assert "data-received>60<" in page and "data-billed>60<" in page
    assert _api_warnings(accountant, bill) == []


def test_a_bill_billing_more_than_received_warns_on_the_page_and_in_the_api(
    bill: Invoice, confirmed: PurchaseOrder, accountant: User, admin: User, oak: Product
) -> None:
    _rewrite(bill, admin, (oak, "80", "12"))
    warning = f"Three-way match with {confirmed.number}: [OAK-1] Oak board: billed 80 but received 60."
    assert _api_warnings(accountant, bill) == [warning]
    page = _page(accountant, bill)
    assert 'id="record-warnings"' in page and warning in page and "Differs" in page
    listed = api_client(accountant).get("/api/v1/accounting/invoices/").json()["results"]
    assert [row for row in listed if row["id"] == bill.pk] and "warnings" not in listed[
        0
    ]  # its own page only


def test_another_price_and_a_product_not_ordered_warn(
    bill: Invoice, confirmed: PurchaseOrder, accountant: User, admin: User, oak: Product, design: Product
) -> None:
    _rewrite(bill, admin, (oak, "60", "12.5"), (design, "2", "80"))
    assert _api_warnings(accountant, bill) == [
        f"Three-way match with {confirmed.number}: [OAK-1] Oak board: billed at 12.5 a unit, ordered at 12.",
        f"Three-way match with {confirmed.number}: [SRV-D] Design hour: billed but not on the order.",
    ]


def test_a_second_bill_counts_the_first_and_a_cancelled_one_warns_no_more(
    bill: Invoice, confirmed: PurchaseOrder, accountant: User, admin: User, oak: Product
) -> None:
    second = invoicing.create_invoice(
        confirmed.company,
        admin,
        kind=Invoice.Kind.SUPPLIER_BILL,
        partner=confirmed.partner,
        invoice_date=DAY,
        lines=[
            invoicing.LineData(product=oak, quantity="10", price_unit="12", account=bill.lines.get().account)
        ],
    )
    OrderBill.objects.create(order=confirmed, invoice=second)
    assert _api_warnings(accountant, second) == [
        f"Three-way match with {confirmed.number}: [OAK-1] Oak board: billed 70 but received 60."
    ]
    invoicing.cancel_invoice(invoicing.post_invoice(second, admin), admin)
    assert _api_warnings(accountant, bill) == []
    assert 'id="bill-match"' not in _page(accountant, second)  # nothing to approve on a cancelled bill


def test_another_companys_order_never_shows_on_a_bill(
    company: Company,
    other_company: Company,
    admin: User,
    accountant: User,
    timber_co: Partner,
    oak: Product,
    make_user: Any,
    pcs: Uom,
) -> None:
    charts.install_chart(company, None, "ifrs", today=DAY)
    outsider = make_user("otto", roles.PURCHASER, company=other_company)
    their_supplier = create_partner(other_company, outsider, name="Their supplier", is_supplier=True)
    their_oak = create_product(other_company, outsider, name="Their oak", sku="OAK-1", uom=pcs)
    inventory.create_warehouse(other_company, outsider, name="Their warehouse", code="TW")
    theirs = services.confirm_order(
        order_of(other_company, outsider, their_supplier, (their_oak, "1", "1")), outsider
    )
    assert theirs.number
    ours = invoicing.create_invoice(
        company,
        admin,
        kind=Invoice.Kind.SUPPLIER_BILL,
        partner=timber_co,
        invoice_date=DAY,
        lines=[invoicing.LineData(product=oak, quantity="500", price_unit="99")],
    )
    OrderBill.objects.create(order=theirs, invoice=ours)  # a link no service makes: hostile data
    assert queries.bill_match(ours, PurchaseOrder.objects.all()) is None  # not even when all are read
    for reader in (accountant, admin):
        assert queries.bill_match(ours, PurchaseOrder.objects.visible_to(reader)) is None
        page = _page(reader, ours)
        assert theirs.number not in page and 'id="bill-match"' not in page
        assert 'id="record-warnings"' not in page
        assert _api_warnings(reader, ours) == []


def test_a_customer_invoice_and_a_reader_without_orders_get_no_match(
    bill: Invoice, company: Company, admin: User, make_user: Any, make_partner: Any, oak: Product
) -> None:
    customer_invoice = invoicing.create_invoice(
        company,
        admin,
        kind=Invoice.Kind.CUSTOMER_INVOICE,
        partner=make_partner("A customer"),
        invoice_date=DAY,
        lines=[invoicing.LineData(product=oak, quantity="1", price_unit="20")],
    )
    assert queries.bill_match(customer_invoice, PurchaseOrder.objects.all()) is None
    assert 'id="bill-match"' not in _page(admin, customer_invoice)
    reader = make_user("rita", None)
    reader.user_permissions.add(*_perms("accounting.view_invoice"))
    reader = User.objects.get(pk=reader.pk)
    page = _page(reader, bill)  # may read the bill, not purchase orders
    assert 'id="bill-match"' not in page and _api_warnings(reader, bill) == []


def _perms(*names: str) -> list[Any]:
    from django.contrib.auth.models import Permission

    return [
        Permission.objects.get(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        for name in names
    ]


def test_the_bills_answer_is_never_not_modified_while_its_match_can_change(
    bill: Invoice, confirmed: PurchaseOrder, accountant: User, admin: User, purchaser: User, oak: Product
) -> None:
    _rewrite(bill, admin, (oak, "80", "12"))
    client = api_client(accountant)
    first = client.get(f"/api/v1/accounting/invoices/{bill.pk}/")
    assert first.json()["warnings"] and first["ETag"]
    services.receive_order(confirmed, purchaser, quantities={confirmed.lines.get().pk: Decimal(20)})
    again = client.get(f"/api/v1/accounting/invoices/{bill.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again.json()["warnings"] == []  # the bill's version did not change
