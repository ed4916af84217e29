"""For random receipts (at random prices), deliveries, internal moves, counts, returns and
back-dated moves (some before the lock date, refused) in a company that values its stock:
quants equal the done moves, the stock value equals the stock accounts' balance (the
registered invariants, after every step), and the layers hold what the quants hold."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.services import charts, ledger
from tandem.catalog.models import Category, Product
from tandem.core import invariants
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import (
    STOCKED_KINDS,
    Location,
    Quant,
    Transfer,
    ValuationLayer,
    ValuationMethod,
    Warehouse,
)
from tandem.inventory.services import valuation
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db

LOCKED_DAYS_AGO = 8
product_index = st.integers(0, 2)
days_ago = st.integers(0, 10)
receipt_op = st.tuples(st.just("receive"), product_index, st.integers(1, 20), st.integers(1, 30), days_ago)
delivery_op = st.tuples(st.just("deliver"), product_index, st.integers(1, 25), st.integers(0, 1), days_ago)
internal_op = st.tuples(st.just("internal"), product_index, st.integers(1, 10), st.integers(0, 1), st.just(0))
count_op = st.tuples(st.just("count"), product_index, st.integers(0, 15), st.integers(0, 1), st.just(0))
return_op = st.tuples(st.just("return"), st.integers(0, 30), st.just(0), st.integers(0, 1), days_ago)
operations = st.lists(
    st.one_of(receipt_op, delivery_op, internal_op, count_op, return_op), min_size=1, max_size=10
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_stock_value_stays_equal_to_the_stock_accounts_under_random_operations(
    steps: list[tuple[str, int, int, int, int]], company: Company, warehouse: Warehouse, shelf: Location,
    supplier: Partner, customer: Partner, worker: User, admin: User, make_product: Callable[..., Product],
) -> None:  # fmt: skip
    with transaction.atomic():  # each example starts from nothing: its writes are rolled back
        _run(steps, company, warehouse, shelf, supplier, customer, worker, admin, make_product)
        transaction.set_rollback(True)


def _run(
    steps: list[tuple[str, int, int, int, int]], company: Company, warehouse: Warehouse, shelf: Location,
    supplier: Partner, customer: Partner, worker: User, admin: User, make_product: Callable[..., Product],
) -> None:  # fmt: skip
    charts.install_chart(company, admin, "ifrs")
    today = timezone.localdate()
    ledger.move_lock_date(company, admin, today - datetime.timedelta(days=LOCKED_DAYS_AGO))
    average = Category.objects.create(company=company, name="Averaged")
    valuation.set_category_valuation(average, admin, method=ValuationMethod.AVERAGE)
    products = [
        make_product("Fifo chair", sku="VAL-1", cost=Decimal("3")),
        make_product("Average plank", sku="VAL-2", category=average, cost=Decimal("2")),
        make_product("Fifo glue", sku="VAL-3", allow_negative_stock=True, cost=Decimal("1")),
    ]
    stock = warehouse.stock_location
    for kind, index, amount, flag, back in steps:
        on = today - datetime.timedelta(days=back)
        with contextlib.suppress(BusinessError):  # a refusal (locked date, not enough stock) writes nothing
            if kind == "receive":
                receipt = services.create_receipt(
                    company,
                    supplier,
                    [services.MoveSpec(products[index], amount, price_unit=flag)],
                    actor=worker,
                )
                services.validate_transfer(receipt, actor=worker, date=on)
            elif kind == "deliver":
                delivery = services.create_delivery(
                    company, customer, [(products[index], amount)], actor=worker
                )
                services.reserve(delivery, worker)
                services.validate_transfer(delivery, actor=worker, date=on)
            elif kind == "internal":
                source, dest = (stock, shelf) if flag else (shelf, stock)
                moved = services.create_internal(
                    company,
                    [(products[index], amount)],
                    source_location=source,
                    dest_location=dest,
                    actor=worker,
                )
                services.reserve(moved, worker)
                services.validate_transfer(moved, actor=worker)
            elif kind == "count":
                count = services.create_count(
                    company, worker, location=shelf if flag else stock, products=[products[index]]
                )
                services.record_counted(count, worker, {line.pk: amount for line in count.lines.all()})
                services.apply_count(count, worker)
            elif kind == "return":
                done = list(
                    Transfer.objects.filter(company=company, state="done", kind__in=["receipt", "delivery"])
                )
                if done:
                    back_ = services.create_return(done[index % len(done)], worker)
                    services.reserve(back_, worker)
                    services.validate_transfer(back_, actor=worker, date=on)
        broken = invariants.violations()
        assert not broken, invariants.describe(broken)
        for product in products[:2]:  # never negative: the layers hold what the quants hold
            held = Quant.objects.filter(product=product, location__kind__in=STOCKED_KINDS).aggregate(
                q=Sum("quantity")
            )["q"] or Decimal(0)
            layers = ValuationLayer.objects.filter(product=product)
            assert (layers.aggregate(q=Sum("quantity"))["q"] or 0) == held
            assert (layers.aggregate(q=Sum("remaining_quantity"))["q"] or 0) == held
            if held == 0:
                assert (layers.aggregate(v=Sum("value"))["v"] or 0) == 0
