"""The sales analysis page and API, the order's and the customer card's profitability, and
“customers who bought this also bought” (the query, the quotation form's htmx fragment and the
card's panel); who sees what; the Excel export read back; pinned query counts."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tandem.accounting.models import Tax
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.queries import also_bought
from tests.kit.api import api_client, assert_problem
from tests.sales.conftest import quotation
from tests.sales.test_profit import sold
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
D = Decimal
ANALYSIS = "/api/v1/sales/analysis/"


@pytest.fixture
def story(
    company: Company,
    admin: User,
    customer: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> Any:
    return sold(company, admin, customer, chair, design, vat)


def test_the_page_pivots_charts_and_exports(story: Any, manager: User, pinned_queries: Any) -> None:
    client = signed_in(manager)
    url = reverse("sales:analysis")
    page = client.get(url, {"rows": "product", "start": "2026-01-01"}).content.decode()
    assert 'data-total="revenue">520.00 EUR' in page and 'data-total="margin">280.00' in page
    assert '<th scope="row">Oak chair</th><td class="text-end">360.00</td>' in page
    assert 'class="report-chart' in page and "chart-income" in page  # the chart by month, inline SVG
    pivot = client.get(
        url, {"rows": "product", "columns": "month", "measure": "margin", "start": "2026-01-01"}
    )
    html = pivot.content.decode()
    assert 'id="analysis-pivot"' in html and '<th scope="col" class="text-end">2026-03</th>' in html
    exported = client.get(
        url, {"rows": "customer", "columns": "product", "start": "2026-01-01", "format": "xlsx"}
    )
    assert exported.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active  # type: ignore[attr-defined]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Customer", "Product", "Revenue", "Discounts", "Cost of goods sold")
    assert ("Hotel Wawel", "Oak chair", 360, 40, 240, 120) in [row[:6] for row in rows[1:]]
    bad = client.get(url, {"rows": "customer", "start": "2026-05-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and "The period ends before it starts." in bad.content.decode()
    assert client.get(url, {"rows": "nonsense", "format": "xlsx"}).status_code == 400
    pinned_queries.check(
        "sales:analysis",
        lambda: client.get(url, {"rows": "category", "columns": "month", "start": "2026-01-01"}),
    )


def test_the_order_and_the_customer_card_show_their_profit(
    story: Any, manager: User, customer: Partner, pinned_queries: Any
) -> None:
    order, _invoice, _note = story
    client = signed_in(manager)
    detail = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'data-profit="revenue">520.00' in detail and 'data-profit="margin">280.00' in detail
    card = client.get(reverse("partners:detail", args=[customer.pk])).content.decode()
    assert "Whole relationship" in card and "280.00" in card and "53.80 %" in card


def test_who_sees_the_analysis(
    story: Any,
    company: Company,
    admin: User,
    salesperson: User,
    other_salesperson: User,
    make_user: Callable[..., User],
    make_partner: Callable[..., Partner],
    other_company: Company,
    chair: Product,
    vat: Tax,
) -> None:
    theirs = make_partner("Hotel Bristol", owner=other_salesperson)
    services.confirm_order(quotation(company, other_salesperson, theirs, (chair, "1"), taxes=[vat]), admin)
    url = reverse("sales:analysis")
    mine = signed_in(salesperson).get(url, {"rows": "customer", "start": "2026-01-01"}).content.decode()
    assert "Hotel Wawel" in mine
    sofia = (
        signed_in(other_salesperson).get(url, {"rows": "customer", "start": "2026-01-01"}).content.decode()
    )
    assert "Hotel Wawel" not in sofia and 'data-total="revenue">0.00' in sofia
    clerk = make_user("wanda", roles.WAREHOUSE)  # reads orders to ship them, not their margins
    assert signed_in(clerk).get(url).status_code == 403
    assert api_client(clerk).get(ANALYSIS).status_code == 403
    elsewhere = make_user("olga", roles.SALES_MANAGER, company=other_company)
    assert "Hotel Wawel" not in signed_in(elsewhere).get(url, {"start": "2026-01-01"}).content.decode()
    answer = api_client(elsewhere).get(ANALYSIS).json()
    assert answer["groups"] == [] and answer["total"]["revenue"] == "0.00"


def test_the_api_groups_like_the_page(
    story: Any, manager: User, salesperson: User, other_salesperson: User
) -> None:
    client = api_client(manager)
    answer = client.get(ANALYSIS, {"rows": "product", "columns": "month"}).json()
    assert answer["currency"] == "EUR" and answer["total"]["margin"] == "280.00"
    cells = {(g["row"]["name"], g["column"]["key"]): g["figures"] for g in answer["groups"]}
    assert cells[("Oak chair", "2026-03")]["revenue"] == "450.00"
    assert cells[("Oak chair", "2026-04")]["revenue"] == "-90.00"
    assert cells[("Interior design hour", "2026-03")]["margin_percent"] == "100.0"
    by_person = client.get(ANALYSIS, {"rows": "salesperson"}).json()
    assert [(g["row"]["name"], g["figures"]["orders"]) for g in by_person["groups"]] == [("sam", 1)]
    assert_problem(client.get(ANALYSIS, {"rows": "colour"}), 400, "rows")
    assert_problem(client.get(ANALYSIS, {"start": "2026-05-01", "end": "2026-01-01"}), 400, "end")
    assert_problem(client.get(ANALYSIS, {"rows": "month", "columns": "month"}), 400, "columns")
    assert api_client(other_salesperson).get(ANALYSIS).json()["groups"] == []
    assert api_client(salesperson).get(ANALYSIS).json()["total"]["revenue"] == "520.00"


def _product(company: Company, admin: User, name: str) -> Product:
    return create_product(
        company, admin, name=name, sku=name.upper(), uom=Uom.objects.get(code="pcs"), kind="service",
        sales_price=D(10),
    )  # fmt: skip


def test_customers_who_bought_this_also_bought(
    company: Company,
    admin: User,
    manager: User,
    salesperson: User,
    make_partner: Callable[..., Partner],
    pinned_queries: Any,
) -> None:
    chair, desk, lamp, rug = (_product(company, admin, name) for name in ("Chair", "Desk", "Lamp", "Rug"))
    a, b, c = (make_partner(name, owner=salesperson, is_customer=True) for name in ("Ada", "Bea", "Cid"))
    for customer, products in ((a, (chair, desk)), (b, (chair, lamp)), (c, (chair, desk)), (c, (rug,))):
        services.confirm_order(
            quotation(company, salesperson, customer, *((p, "1") for p in products)), admin
        )
    quotation(company, salesperson, b, (chair, "1"), (rug, "1"))  # a quotation is not a sale
    found = [(s.product.name, s.customers) for s in also_bought.also_bought(company, [chair.pk])]
    assert found == [("Desk", 2), ("Lamp", 1), ("Rug", 1)]
    assert [s.product.name for s in also_bought.also_bought(company, [rug.pk])] == ["Chair", "Desk"]
    assert [(s.product.name, s.customers) for s in also_bought.for_customer(company, b.pk)] == [
        ("Desk", 2), ("Rug", 1),
    ]  # fmt: skip
    client = signed_in(salesperson)
    form = client.get(reverse("sales:order_create")).content.decode()
    assert 'id="order-also-bought"' in form and reverse("sales:order_also_bought") in form
    typed = {"lines-TOTAL_FORMS": "2", "lines-0-product": str(lamp.pk), "lines-1-product": "x"}
    fragment = client.post(reverse("sales:order_also_bought"), typed, HTTP_HX_REQUEST="true").content.decode()
    assert f'data-also-bought="{chair.pk}"' in fragment and "Desk" not in fragment
    card = signed_in(manager).get(reverse("partners:detail", args=[b.pk])).content.decode()
    assert "Customers who bought the same also bought" in card and "Desk" in card
    pinned_queries.check(
        "sales:order_also_bought",
        lambda: client.post(reverse("sales:order_also_bought"), typed, HTTP_HX_REQUEST="true"),
    )
