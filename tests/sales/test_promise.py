"""The delivery promise against hand-computed cases: ten chairs on the shelf, another order
taking eight, a receipt of six expected in three days, a supplier who delivers in five; the
promise stored on confirmation and the order flagged late when the receipt is cancelled."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.purchasing import services as purchasing
from tandem.sales import services
from tandem.sales.models import SalesOrder
from tandem.sales.queries import promise
from tandem.sales.queries.promise import Source, earliest
from tests.kit.api import api_client
from tests.sales.conftest import quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 5, 4)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.mark.parametrize(
    ("start", "points", "quantity", "expected"),
    [
        (D(10), [], D(4), TODAY),  # on the shelf
        (D(2), [(TODAY + datetime.timedelta(3), D(8))], D(4), TODAY + datetime.timedelta(3)),  # a receipt
        # the receipt's goods are promised to a delivery a week later: 4 never stay free
        (D(2), [(TODAY + datetime.timedelta(3), D(8)), (TODAY + datetime.timedelta(10), D(1))], D(4), None),
        (
            D(2),
            [(TODAY + datetime.timedelta(3), D(8)), (TODAY + datetime.timedelta(10), D(5))],
            D(4),
            TODAY + datetime.timedelta(3),
        ),
        (D(10), [(TODAY, D(3))], D(3), TODAY),  # today's own deliveries leave exactly 3
        (D(10), [(TODAY, D(3))], D(4), None),
    ],
)
def test_earliest_is_the_first_day_from_which_the_stock_stays_enough(
    start: Decimal,
    points: list[tuple[datetime.date, Decimal]],
    quantity: Decimal,
    expected: datetime.date | None,
) -> None:
    assert earliest(start, points, quantity, TODAY) == expected


@pytest.fixture
def supplier(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Holz GmbH", is_supplier=True, is_customer=False)


def _buy_in(company: Company, admin: User, supplier: Partner, product: Product, lead: int) -> None:
    purchasing.create_supplier_price(
        company, admin, partner=supplier, product=product, price="50", lead_time_days=lead
    )


def _receipt(
    company: Company, admin: User, warehouse: Warehouse, product: Product, quantity: str, day: datetime.date
) -> Transfer:
    return inventory.create_receipt(
        company, None, [inventory.MoveSpec(product, quantity, expected_date=day)], warehouse=warehouse,
        actor=admin, scheduled_date=day,
    )  # fmt: skip


def _lines(found: promise.Promise) -> list[tuple[datetime.date | None, str]]:
    return [(line.date, line.source) for line in found.lines]


def test_a_quotation_is_promised_from_stock_receipts_and_the_supplier_lead_time(
    company: Company,
    admin: User,
    salesperson: User,
    customer: Partner,
    supplier: Partner,
    chair: Product,
    design: Product,
    warehouse: Warehouse,
) -> None:
    today = timezone.localdate()
    four = quotation(company, salesperson, customer, (chair, "4"), (design, "2"), order_date=today)
    assert _lines(promise.order_promise(four)) == [(today, Source.STOCK), (today, Source.NOT_STOCKED)]

    # Another order takes eight of the ten: two are left, and nobody sells chairs to us yet.
    services.confirm_order(quotation(company, admin, customer, (chair, "8"), order_date=today), admin)
    found = promise.order_promise(four)
    assert _lines(found) == [(None, Source.NONE), (today, Source.NOT_STOCKED)] and found.date is None

    # Holz delivers in five days: the chairs are bought.
    _buy_in(company, admin, supplier, chair, 5)
    found = promise.order_promise(four)
    assert (found.lines[0].date, found.lines[0].source, found.lines[0].lead_time_days) == (
        days(5),
        Source.PURCHASE,
        5,
    )
    assert found.date == days(5)

    # Six chairs are expected in three days: sooner than buying.
    _receipt(company, admin, warehouse, chair, "6", days(3))
    assert promise.order_promise(four).date == days(3)

    # Lines of one product count together: 1 chair ships today (2 are free), 2 more after the receipt.
    split = quotation(company, salesperson, customer, (chair, "1"), (chair, "2"), order_date=today)
    assert _lines(promise.order_promise(split)) == [(today, Source.STOCK), (days(3), Source.INCOMING)]


def test_confirming_stores_the_promise_and_a_cancelled_receipt_makes_the_order_late(
    company: Company,
    admin: User,
    salesperson: User,
    customer: Partner,
    supplier: Partner,
    chair: Product,
    warehouse: Warehouse,
) -> None:
    today = timezone.localdate()
    _buy_in(company, admin, supplier, chair, 5)
    services.confirm_order(quotation(company, admin, customer, (chair, "8"), order_date=today), admin)
    receipt = _receipt(company, admin, warehouse, chair, "6", days(3))
    order = quotation(company, salesperson, customer, (chair, "4"), order_date=today)
    services.confirm_order(order, salesperson)
    order.refresh_from_db()
    assert order.promised_date == days(3)  # two reserved now, two with the receipt
    assert not promise.late(order)
    body = api_client(salesperson).get(f"/api/v1/sales/orders/{order.pk}/promise/").json()
    assert (body["date"], body["promised_date"], body["late"]) == (str(days(3)), str(days(3)), False)
    assert body["lines"][0]["source"] == Source.INCOMING and body["lines"][0]["quantity"] == "4.0000"

    # The supplier's receipt is cancelled: the two missing chairs must be bought (five days).
    inventory.cancel_transfer(receipt, admin)
    found = promise.order_promise(order)
    assert (found.date, promise.late(order, found)) == (days(5), True)
    page = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-late"' in page
    assert api_client(salesperson).get(f"/api/v1/sales/orders/{order.pk}/promise/").json()["late"] is True
    # and a promised day that has passed with goods still here is late too
    assert promise.late(order, today=days(4))


def test_what_is_reserved_ships_today_and_a_date_the_salesperson_gave_is_kept(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    today = timezone.localdate()
    reserved = quotation(company, salesperson, customer, (chair, "4"), order_date=today)
    services.confirm_order(reserved, salesperson)
    reserved.refresh_from_db()
    assert reserved.promised_date == today
    assert _lines(promise.order_promise(reserved)) == [(today, Source.STOCK)]
    later = quotation(company, salesperson, customer, (chair, "1"), order_date=today, promised_date=days(20))
    services.confirm_order(later, salesperson)
    later.refresh_from_db()
    assert later.promised_date == days(20)  # the customer wants it later: kept


def test_the_quotation_form_shows_the_promise_as_the_salesperson_types(
    company: Company,
    salesperson: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    pinned_queries: Any,
) -> None:
    client = signed_in(salesperson)
    form = client.get(reverse("sales:order_create")).content.decode()
    assert 'id="order-promise"' in form and reverse("sales:order_promise") in form
    typed = {
        "partner": customer.pk,
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": chair.pk,
        "lines-0-quantity": "4",
        "lines-1-product": chair.pk,
        "lines-1-quantity": "9",
    }
    answer = client.post(reverse("sales:order_promise"), typed, HTTP_HX_REQUEST="true")
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="promise-date"' in html
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert f'data-promise-line="0">{chair} × 4: {today}' in html
    assert "cannot be promised" in html  # 13 chairs of 10, nobody to buy from
    assert client.get(reverse("sales:order_promise")).status_code == 405
    assert SalesOrder.objects.count() == 0
    pinned_queries.check(
        "sales:order_promise",
        lambda: client.post(reverse("sales:order_promise"), typed, HTTP_HX_REQUEST="true"),
    )
