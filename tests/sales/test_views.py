"""Sales pages: the kit's declared cases; the detail page's totals, margin and progress; the
customer card's panel."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tandem.sales import services
from tandem.sales.models import SalesOrder
from tests.kit.records import Kit
from tests.kit.views import Action, ViewCases, form_data
from tests.sales.conftest import DAY
from tests.web.support import signed_in

_numbers = itertools.count(1)


def _customer(company: Company, actor: User | None) -> Partner:
    return create_partner(
        company,
        actor,
        name=f"Customer {next(_numbers)}",
        is_customer=True,
        owner=actor,
        allow_duplicate=True,
    )


def _service(company: Company, actor: User | None) -> Product:
    number = next(_numbers)
    return create_product(
        company,
        actor,
        name=f"Fitting {number}",
        sku=f"FIT-{number}",
        uom=Uom.objects.get(code="pcs"),
        kind="service",
        sales_price="40",
        cost="25",
    )


def make_order(company: Company, actor: User | None, **fields: Any) -> SalesOrder:
    fields.setdefault("customer_reference", f"PO-{next(_numbers)}")
    return services.create_order(
        company,
        actor,
        partner=_customer(company, actor),
        order_date=DAY,
        lines=[services.OrderLineData(product=_service(company, actor), quantity="2")],
        **fields,
    )


class TestSalesOrderPages(ViewCases):
    model = SalesOrder
    namespace = "sales"
    url_prefix = "order_"
    editor_role = roles.SALESPERSON
    reader_role = roles.WAREHOUSE
    name_field = "customer_reference"
    create_data = {"customer_reference": "PO-2026-1", "order_date": "2026-03-10"}
    edit_changes = {"customer_reference": "PO-2026-2"}
    stale_changes = {"customer_reference": "PO-stale"}
    bad_input = [({"validity_date": "2026-01-01"}, "validity_date")]
    actions = [
        Action("sales:order_send", lambda kit, obj: {}, "salesorder.sent"),
        Action("sales:order_confirm", lambda kit, obj: {}, "salesorder.confirmed"),
        Action("sales:order_cancel", lambda kit, obj: {"confirmed": "1"}, "salesorder.cancelled"),
    ]

    def edit_form(self, client: Client, obj: Any) -> dict[str, Any]:
        response = client.get(self.url("edit", obj))
        assert response.status_code == 200, response.status_code
        form = response.context["form"]
        lines = {f"lines-{name}": value for name, value in form_data(form.lines.management_form).items()}
        for line in form.lines.forms:
            lines.update({f"{line.prefix}-{name}": value for name, value in form_data(line).items()})
        return {**form_data(form), **lines}

    def make(self, company: Company, actor: User | None, **fields: Any) -> SalesOrder:
        return make_order(company, actor, **fields)

    @pytest.fixture(autouse=True)
    def _records(self, kit: Kit) -> None:
        kit.extra["customer"] = _customer(kit.company, kit.editor)
        kit.extra["product"] = _service(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {
            **super().create_form(kit),
            "partner": str(kit.extra["customer"].pk),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": str(kit.extra["product"].pk),
            "lines-0-quantity": "3",
            "lines-0-discount": "5",
        }


pytestmark = pytest.mark.django_db


def test_the_detail_page_shows_totals_margin_and_the_approval_needed(
    company: Company, salesperson: User, manager: User
) -> None:
    order = make_order(company, salesperson)
    services.set_credit_limit(company, manager, partner=order.partner, amount="10")
    page = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-total">80.00 EUR' in page and 'id="order-margin">30.00' in page
    assert 'id="order-approval"' in page and "credit limit" in page
    refused = signed_in(salesperson).post(reverse("sales:order_confirm", args=[order.pk]))
    assert refused.status_code in {302, 303, 400, 409}
    order.refresh_from_db()
    assert order.state == "draft"


def test_another_salesperson_neither_sees_nor_sells_to_the_customer(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    order = make_order(company, salesperson)
    other = signed_in(other_salesperson)
    assert other.get(reverse("sales:order_detail", args=[order.pk])).status_code == 404
    assert str(order.partner) not in other.get(reverse("sales:order_list")).content.decode()


def test_the_customer_card_lists_the_orders(company: Company, salesperson: User) -> None:
    order = make_order(company, salesperson)
    services.send_order(order, salesperson)
    card = signed_in(salesperson).get(order.partner.get_absolute_url()).content.decode()
    assert order.number in card and "sales-orders" in card
