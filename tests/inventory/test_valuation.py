"""Perpetual valuation: FIFO and moving-average layers, their entries, back-dated moves and the
lock date, opening stock with values, counts, returns and the stock value at a date."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.accounting.models import Account, JournalLine
from tandem.accounting.services import charts, ledger
from tandem.catalog.models import Category, Product
from tandem.core import invariants
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import (
    STOCKED_KINDS,
    Location,
    MoveLine,
    StockMonth,
    ValuationLayer,
    ValuationMethod,
    ValuationMonth,
    Warehouse,
)
from tandem.inventory.queries import valuation as queries
from tandem.inventory.services import valuation
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(company: Company, admin: User, warehouse: Warehouse) -> None:
    charts.install_chart(company, admin, "ifrs")


def balance(company: Company, code: str) -> Decimal:
    account = Account.objects.get(company=company, code=code)
    return queries.stock_account_balance(company.pk, [account.pk])


def receive(
    company: Company, supplier: Partner, worker: User, product: Product, qty: int, price: str, **kw: object
):  # type: ignore[no-untyped-def]
    receipt = services.create_receipt(
        company, supplier, [services.MoveSpec(product, qty, price_unit=D(price))], actor=worker
    )
    return services.validate_transfer(receipt, actor=worker, **kw)  # type: ignore[arg-type]


def deliver(company: Company, customer: Partner, worker: User, product: Product, qty: int, **kw: object):  # type: ignore[no-untyped-def]
    delivery = services.create_delivery(company, customer, [(product, qty)], actor=worker)
    services.reserve(delivery, worker)
    return services.validate_transfer(delivery, actor=worker, **kw)  # type: ignore[arg-type]


def assert_books_agree() -> None:
    assert invariants.violations() == {}


def test_fifo_consumes_the_oldest_layers_and_posts_cost_of_goods_sold(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, chair: Product
) -> None:
    receive(company, supplier, worker, chair, 10, "5")
    receive(company, supplier, worker, chair, 10, "7")
    delivery = deliver(company, customer, worker, chair, 15)
    out = ValuationLayer.objects.get(move__transfer=delivery)
    assert (out.quantity, out.value) == (D(-15), D(-85))  # 10 × 5 + 5 × 7
    assert queries.total_value(company.pk) == D(35)
    assert balance(company, "1230") == D(35)
    assert balance(company, "5000") == D(85)
    assert balance(company, "2260") == D(-120)  # received, not invoiced yet
    assert out.entry is not None and out.entry.state == "posted"
    assert_books_agree()


def test_moving_average_values_deliveries_at_the_running_average(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    category = Category.objects.create(company=company, name="Timber")
    valuation.set_category_valuation(category, worker, method=ValuationMethod.AVERAGE)
    plank = make_product("Plank", category=category)
    receive(company, supplier, worker, plank, 10, "5")
    with pytest.raises(BusinessError):  # its valued stock keeps the method it came in with
        valuation.set_category_valuation(category, worker, method=ValuationMethod.FIFO)
    receive(company, supplier, worker, plank, 10, "7")
    with CaptureQueriesContext(connection) as seen:
        deliver(company, customer, worker, plank, 15)
    assert queries.total_value(company.pk) == D(30)  # 5 left at the average of 6
    held = ValuationLayer.objects.filter(product=plank, kind=ValuationLayer.Kind.IN).order_by("id")
    assert [layer.remaining_quantity for layer in held] == [D(0), D(5)]  # taken oldest first
    layers = ValuationLayer._meta.db_table
    updates = [q["sql"] for q in seen.captured_queries if q["sql"].startswith(f'UPDATE "{layers}"')]
    assert len(updates) == 1, updates  # both layers taken from in one statement
    deliver(company, customer, worker, plank, 5)
    assert queries.total_value(company.pk) == D(0)
    assert_books_agree()


def test_a_return_of_a_delivery_comes_back_at_the_cost_it_left_at(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, chair: Product
) -> None:
    receive(company, supplier, worker, chair, 4, "10")
    delivery = deliver(company, customer, worker, chair, 2)
    receive(company, supplier, worker, chair, 4, "30")
    back = services.create_return(delivery, worker)
    services.validate_transfer(back, actor=worker)
    layer = ValuationLayer.objects.get(move__transfer=back)
    assert (layer.quantity, layer.value) == (D(2), D(20))
    assert balance(company, "5000") == D(0)
    assert_books_agree()


def test_internal_moves_change_no_value(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product, warehouse: Warehouse,
    shelf: object,
) -> None:  # fmt: skip
    receive(company, supplier, worker, chair, 3, "10")
    moved = services.create_internal(
        company, [(chair, 2)], source_location=warehouse.stock_location, dest_location=shelf, actor=worker
    )
    services.reserve(moved, worker)
    services.validate_transfer(moved, actor=worker)
    assert not ValuationLayer.objects.filter(move__transfer=moved).exists()
    assert queries.total_value(company.pk) == D(30)


def test_opening_stock_is_valued_against_equity_and_counts_against_inventory_differences(
    books: None, company: Company, worker: User, chair: Product, warehouse: Warehouse
) -> None:
    services.import_opening_stock(
        company, worker, [services.OpeningLine(chair, warehouse.stock_location, 8, unit_cost=D("12.50"))]
    )
    assert balance(company, "1230") == D(100)
    assert balance(company, "3200") == D(-100)
    count = services.create_count(company, worker, location=warehouse.stock_location)
    services.record_counted(count, worker, {count.lines.get().pk: 6})
    shown = queries.count_difference_values(count, count.lines.all())  # what the count sheet shows
    services.apply_count(count, worker)
    assert balance(company, "1230") == D(75)
    assert balance(company, "5300") == D(25) == -shown.total
    assert_books_agree()


def test_a_move_dated_on_or_before_the_lock_date_is_refused_and_writes_nothing(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product, admin: User
) -> None:
    today = timezone.localdate()
    ledger.move_lock_date(company, admin, today - datetime.timedelta(days=3))
    receipt = services.create_receipt(
        company, supplier, [services.MoveSpec(chair, 1, price_unit=1)], actor=worker
    )
    with pytest.raises(ledger.LockedDate):
        services.validate_transfer(receipt, actor=worker, date=today - datetime.timedelta(days=3))
    receipt.refresh_from_db()
    assert receipt.state == "ready"
    assert not ValuationLayer.objects.exists()
    with pytest.raises(BusinessError):
        services.validate_transfer(receipt, actor=worker, date=today + datetime.timedelta(days=1))


def test_a_back_dated_delivery_consumes_only_the_layers_it_takes_and_the_past_value_changes(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, chair: Product
) -> None:
    today = timezone.localdate()
    week_ago, yesterday = today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)
    first = receive(company, supplier, worker, chair, 10, "5", date=week_ago)
    receive(company, supplier, worker, chair, 10, "7")
    assert queries.total_value(company.pk, week_ago) == D(50)
    layers_before = {
        layer.pk: (layer.remaining_quantity, layer.remaining_value) for layer in ValuationLayer.objects.all()
    }
    deliver(company, customer, worker, chair, 4, date=yesterday)
    assert queries.total_value(company.pk, yesterday) == D(30)  # 50 − 4 × 5
    assert queries.total_value(company.pk, week_ago) == D(50)
    changed = {
        layer.pk
        for layer in ValuationLayer.objects.filter(pk__in=layers_before)
        if (layer.remaining_quantity, layer.remaining_value) != layers_before[layer.pk]
    }
    assert changed == {ValuationLayer.objects.get(move__transfer=first).pk}  # only the layer consumed
    entry_dates = set(JournalLine.objects.filter(account__code="5000").values_list("date", flat=True))
    assert entry_dates == {yesterday}
    assert_books_agree()


def test_stock_value_at_a_date_per_product_category_and_warehouse(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product,
    make_product: Callable[..., Product], warehouse: Warehouse,
) -> None:  # fmt: skip
    category = Category.objects.create(company=company, name="Seating")
    stool = make_product("Stool", category=category)
    receive(company, supplier, worker, chair, 2, "10")
    receive(company, supplier, worker, stool, 3, "4")
    today = timezone.localdate()
    by_product = {row.code: (row.quantity, row.value) for row in queries.stock_value(company.pk, today)}
    assert by_product == {"CHAIR": (D(2), D(20)), stool.sku: (D(3), D(12))}
    by_category = {row.name: row.value for row in queries.stock_value(company.pk, today, "category")}
    assert by_category == {"": D(20), "Seating": D(12)}
    by_warehouse = [
        (row.code, row.quantity, row.value) for row in queries.stock_value(company.pk, today, "warehouse")
    ]
    assert by_warehouse == [("WH", D(5), D(32))]
    assert queries.stock_value(company.pk, today - datetime.timedelta(days=1)) == []


def test_the_value_at_any_date_reads_monthly_sums_and_agrees_with_the_layers(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, chair: Product,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    today = timezone.localdate()
    stool = make_product("Stool")
    days = [today - datetime.timedelta(days=n) for n in (70, 45, 44, 20, 0)]
    receive(company, supplier, worker, chair, 10, "5", date=days[0])
    receive(company, supplier, worker, stool, 6, "3", date=days[1])
    deliver(company, customer, worker, chair, 4, date=days[2])
    receive(company, supplier, worker, chair, 5, "8", date=days[3])
    deliver(company, customer, worker, stool, 2, date=days[4])
    deliver(company, customer, worker, chair, 3, date=days[1])  # back-dated into an earlier month

    def from_layers(at: datetime.date) -> dict[int, tuple[Decimal, Decimal]]:
        sums: dict[int, tuple[Decimal, Decimal]] = {}
        for layer in ValuationLayer.objects.filter(date__lte=at):
            q, v = sums.get(layer.product_id, (D(0), D(0)))
            sums[layer.product_id] = (q + layer.quantity, v + layer.value)
        return {k: s for k, s in sums.items() if s != (D(0), D(0))}

    def held(at: datetime.date) -> Decimal:
        end = timezone.make_aware(datetime.datetime.combine(at + datetime.timedelta(days=1), datetime.time()))
        lines = MoveLine.objects.filter(done_at__lt=end)
        stocked = Q(kind__in=STOCKED_KINDS)
        into = lines.filter(dest_location__in=Location.objects.filter(stocked)).aggregate(q=Sum("quantity"))
        out = lines.filter(source_location__in=Location.objects.filter(stocked)).aggregate(q=Sum("quantity"))
        return (into["q"] or D(0)) - (out["q"] or D(0))

    edges = {d.replace(day=1) - datetime.timedelta(days=1) for d in days} | {d.replace(day=1) for d in days}
    for at in sorted(set(days) | edges):
        seen = {row.key: (row.quantity, row.value) for row in queries.stock_value(company.pk, at)}
        assert seen == from_layers(at), at
        per_warehouse = queries.stock_value(company.pk, at, "warehouse")
        assert sum((row.quantity for row in per_warehouse), D(0)) == held(at), at
        total = sum((v for _, v in from_layers(at).values()), D(0))
        assert sum((row.value for row in per_warehouse), D(0)) == total.quantize(D("0.01")), at
    assert ValuationMonth.objects.filter(company=company).count() == len(
        {(layer.product_id, layer.date.replace(day=1)) for layer in ValuationLayer.objects.all()}
    )
    assert_books_agree()  # the registered invariant: each month's sum equals its layers

    # whatever writes a layer, its month follows (the database's triggers), and the invariant sees
    # a month that was written past them
    first = ValuationLayer.objects.filter(product=chair).earliest("date", "id")
    ValuationLayer.objects.filter(pk=first.pk).update(value=first.value + D("0.0001"), date=days[3])
    assert_books_agree_but_for_the_accounts()
    ValuationMonth.objects.filter(company=company, product=stool).update(value=1)
    StockMonth.objects.filter(company=company, product=stool).update(quantity=1)
    assert {
        "inventory: each month's valuation sum equals its layers",
        "inventory: each month's stock per location equals its move lines",
    } <= set(invariants.violations())


def assert_books_agree_but_for_the_accounts() -> None:
    assert set(invariants.violations()) <= {
        "inventory: the value of stock equals the balance of the stock accounts"
    }


def test_a_company_without_a_chart_counts_its_stock_without_valuing_it(
    company: Company, supplier: Partner, worker: User, chair: Product, warehouse: Warehouse
) -> None:
    receive(company, supplier, worker, chair, 2, "10")
    assert not ValuationLayer.objects.exists()
    assert valuation.settings_of(company) is None


def test_the_stock_valuation_page_shows_the_value_at_a_date_and_exports_it(
    books: None, company: Company, supplier: Partner, worker: User, chair: Product,
    make_user: Callable[..., User], pinned_queries: Any,
) -> None:  # fmt: skip
    from django.urls import reverse

    from tandem.core import roles
    from tests.web.support import signed_in

    accountant = make_user("annie", roles.ACCOUNTANT)
    receive(company, supplier, worker, chair, 2, "10")
    url = reverse("inventory:valuation")
    client = signed_in(accountant)
    page = client.get(url, {"by": "product"})
    assert page.status_code == 200 and [row[0] for row in page.context["rows"]] == ["CHAIR"]
    for by in ("product", "category", "warehouse"):
        assert client.get(url, {"by": by}).status_code == 200
    sheet = client.get(url, {"date": timezone.localdate().isoformat(), "format": "xlsx"})
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(url, {"date": "yesterday"}).status_code == 400
    assert client.get(url, {"date": "yesterday", "format": "xlsx"}).status_code == 400
    assert signed_in(worker).get(url).status_code == 403  # warehouse staff do not see values

    def grow() -> None:
        for n in range(3):
            receive(company, supplier, worker, services_product(company, n), 1, "3")

    def services_product(company: Company, n: int) -> Product:
        from tandem.catalog.services import create_product

        return create_product(company, worker, name=f"Extra {n}", sku=f"EXTRA-{n}", uom=chair.uom)

    pinned_queries.check("inventory:valuation", lambda: client.get(url), grow)


def test_a_landed_cost_raises_what_is_left_in_stock_and_charges_what_left_to_cost_of_goods_sold(
    books: None, company: Company, supplier: Partner, customer: Partner, worker: User, chair: Product,
    make_product: Callable[..., Product],
) -> None:  # fmt: skip
    stool = make_product("Stool")
    receipt = services.create_receipt(
        company,
        supplier,
        [services.MoveSpec(chair, 10, price_unit=D(30)), services.MoveSpec(stool, 10, price_unit=D(10))],
        actor=worker,
    )
    services.validate_transfer(receipt, actor=worker)
    deliver(company, customer, worker, chair, 5)
    freight = Account.objects.get(company=company, code="2260")
    valuation.add_landed_cost(
        receipt, worker, amount="40", account=freight, description="Freight", split="value"
    )
    # by value: chairs 300 of 400 take 30 (half still in stock: 15), stools take 10
    assert queries.total_value(company.pk) == D(150 + 15 + 100 + 10)
    assert balance(company, "5000") == D(150 + 15)
    deliver(company, customer, worker, chair, 5)  # FIFO now consumes the raised layer
    assert balance(company, "5000") == D(150 + 15 + 150 + 15)
    with pytest.raises(BusinessError):
        valuation.add_landed_cost(receipt, worker, amount="0", account=freight, description="x")
    assert_books_agree()
