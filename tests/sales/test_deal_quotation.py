"""A deal's products of interest become its quotation's lines (prices from the catalogue, the
customer's taxes), and the deal page shows its quotations and orders with the revenue actually
invoiced for them (issues 16 and 17)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.accounting.models import Tax
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, Uom, User
from tandem.crm import services as crm
from tandem.crm.models import Deal, DealProduct
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import SalesOrder
from tests.kit.api import api_client
from tests.kit.views import signed_in
from tests.sales.conftest import DAY, quotation

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def deal(company: Company, salesperson: User, customer: Partner, chair: Product, design: Product) -> Deal:
    return crm.create_deal(
        company, salesperson, title="Hotel chairs", partner=customer, products=[(chair, "3"), (design, 2)]
    )


def test_the_quotation_from_a_deal_carries_its_products_priced_and_taxed(
    deal: Deal,
    company: Company,
    salesperson: User,
    customer: Partner,
    chair: Product,
    design: Product,
    vat: Tax,
) -> None:
    order = services.create_from_deal(deal, salesperson)
    by_hand = quotation(company, salesperson, customer, (chair, "3"), (design, "2"))
    lines = [(line.product_id, line.quantity, line.price_unit) for line in order.lines.order_by("id")]
    expected = [(line.product_id, line.quantity, line.price_unit) for line in by_hand.lines.order_by("id")]
    assert lines == expected == [(chair.pk, D(3), D(100)), (design.pk, D(2), D(80))]
    assert [sorted(t.pk for t in line.taxes.all()) for line in order.lines.order_by("id")] == [
        sorted(t.pk for t in line.taxes.all()) for line in by_hand.lines.order_by("id")
    ]
    assert order.deal == deal and order.amount_total == by_hand.amount_total
    assert list(deal.sales_orders.all()) == [order]


def test_products_of_interest_change_with_the_deal_and_bad_ones_write_nothing(
    deal: Deal, salesperson: User, chair: Product, other_company: Company, admin: User, pcs: Uom
) -> None:
    crm.update_deal(deal, salesperson, products=[(chair, "5")])
    assert list(deal.products_of_interest.values_list("product_id", "quantity")) == [(chair.pk, D(5))]
    assert Event.objects.filter(name="deal.products_changed").count() == 2  # created, then changed
    foreign = create_product(other_company, admin, name="Their chair", sku="X-1", uom=pcs)
    for bad in ([(foreign, 1)], [(chair, "0")], [(chair, "-1")], [(chair, "many")], [chair]):
        with pytest.raises(ValidationFailed) as refused:
            crm.update_deal(deal, salesperson, products=bad, title="Changed")
        assert "products" in refused.value.errors
    deal.refresh_from_db()
    assert deal.title == "Hotel chairs"
    assert list(DealProduct.objects.values_list("product_id", "quantity")) == [(chair.pk, D(5))]


def test_the_api_reads_and_writes_products_of_interest(
    deal: Deal, salesperson: User, chair: Product, design: Product
) -> None:
    api = api_client(salesperson)
    shown = api.get(f"/api/v1/crm/deals/{deal.pk}/").json()
    assert shown["products_of_interest"] == [
        {"product": chair.pk, "quantity": "3.0000"},
        {"product": design.pk, "quantity": "2.0000"},
    ]
    assert "products_of_interest" not in api.get("/api/v1/crm/deals/").json()["results"][0]
    changed = api.patch(
        f"/api/v1/crm/deals/{deal.pk}/",
        {"products_of_interest": [{"product": design.pk, "quantity": "4"}]},
        format="json",
        HTTP_IF_MATCH=api.get(f"/api/v1/crm/deals/{deal.pk}/")["ETag"],
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["products_of_interest"] == [{"product": design.pk, "quantity": "4.0000"}]
    refused = api.patch(
        f"/api/v1/crm/deals/{deal.pk}/",
        {"products_of_interest": [{"product": design.pk, "quantity": "0"}]},
        format="json",
    )
    assert refused.status_code == 400
    assert list(deal.products_of_interest.values_list("quantity", flat=True)) == [D(4)]


def test_the_deal_page_makes_the_quotation_and_shows_the_revenue_invoiced(
    deal: Deal, company: Company, salesperson: User, admin: User, vat: Tax, design: Product
) -> None:
    client = signed_in(salesperson)
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert "Oak chair" in page and "data-quote-from-deal" in page
    made = client.post(reverse("sales:order_from_deal", args=[deal.pk]))
    assert made.status_code == 302
    order = SalesOrder.objects.get(deal=deal)
    assert made["Location"] == reverse("sales:order_edit", args=[order.pk])
    # Only the design hours are sold and invoiced (services: no delivery needed).
    services.update_order(order, salesperson, lines=[services.OrderLineData(design, "2", taxes=[vat])])
    services.confirm_order(order, admin)
    accounting.post_invoice(services.invoice_order(order, admin, invoice_date=DAY), admin)
    page = client.get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    panel = page[page.index("data-deal-revenue") :]
    assert order.number in page
    assert "160.00" in panel[:400]  # 2 × 80, without taxes


def test_a_lost_deal_offers_no_quotation(deal: Deal, salesperson: User, company: Company) -> None:
    from tandem.crm.models import LostReason

    reason = LostReason.objects.filter(company=company).first() or crm.create_lost_reason(
        company, None, name="Price"
    )
    crm.lose_deal(deal, salesperson, reason=reason)
    page = signed_in(salesperson).get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    assert "data-quote-from-deal" not in page
    assert signed_in(salesperson).post(reverse("sales:order_from_deal", args=[deal.pk])).status_code == 404
    assert not SalesOrder.objects.filter(deal=deal).exists()


def test_only_a_deal_one_may_see_is_quoted(deal: Deal, other_salesperson: User) -> None:
    response = signed_in(other_salesperson).post(reverse("sales:order_from_deal", args=[deal.pk]))
    assert response.status_code == 404
