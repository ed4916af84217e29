"""For random receipts, deliveries, internal moves, partial validations, counts and returns:
quants equal the done moves and nothing is reserved beyond stock (the registered invariants,
checked after every example here and by the ``invariants`` fixture)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.errors import BusinessError
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Location, Transfer, Warehouse
from tandem.partners.models import Partner

pytestmark = pytest.mark.django_db

product_index = st.integers(0, 2)
receipt_op = st.tuples(st.just("receive"), product_index, st.integers(1, 20), st.integers(0, 1))
delivery_op = st.tuples(st.just("deliver"), product_index, st.integers(1, 25), st.integers(0, 2))
internal_op = st.tuples(st.just("internal"), product_index, st.integers(1, 10), st.integers(0, 1))
count_op = st.tuples(st.just("count"), product_index, st.integers(0, 15), st.integers(0, 1))
return_op = st.tuples(st.just("return"), st.integers(0, 30), st.integers(1, 5), st.integers(0, 1))
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 30), st.just(0), st.just(0))
operations = st.lists(
    st.one_of(receipt_op, delivery_op, internal_op, count_op, return_op, cancel_op), min_size=1, max_size=10
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_quants_stay_equal_to_done_moves_under_random_operations(
    steps: list[tuple[str, int, int, int]], company: Company, warehouse: Warehouse, shelf: Location,
    supplier: Partner, customer: Partner, worker: User, make_product: Callable[..., Product],
) -> None:  # fmt: skip
    with transaction.atomic():  # each example starts from the same stock: its writes are rolled back
        _run(steps, company, warehouse, shelf, supplier, customer, worker, make_product)
        transaction.set_rollback(True)


def _run(
    steps: list[tuple[str, int, int, int]], company: Company, warehouse: Warehouse, shelf: Location,
    supplier: Partner, customer: Partner, worker: User, make_product: Callable[..., Product],
) -> None:  # fmt: skip
    products = [
        make_product("Prop chair", sku="PROP-1"),
        make_product("Prop fabric", sku="PROP-2", tracking=Product.Tracking.LOT),
        make_product("Prop glue", sku="PROP-3", allow_negative_stock=True),
    ]
    stock = warehouse.stock_location
    for kind, index, amount, flag in steps:
        with contextlib.suppress(BusinessError):  # a refusal (not enough stock, …) writes nothing
            if kind == "receive":
                product = products[index]
                receipt = services.create_receipt(company, supplier, [(product, amount)], actor=worker)
                move = receipt.moves.get()
                done = amount if flag else max(1, amount // 2)
                lots = {move.pk: f"LOT-{amount % 3}"} if product.tracking != "none" else None
                services.validate_transfer(receipt, {move.pk: done}, worker, lots=lots)
            elif kind == "deliver":
                delivery = services.create_delivery(
                    company, customer, [(products[index], amount)], actor=worker
                )
                services.reserve(delivery, worker)
                if flag:
                    move = delivery.moves.get()
                    services.validate_transfer(delivery, {move.pk: max(1, amount // flag)}, worker)
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
                    back = services.create_return(done[index % len(done)], worker)
                    if flag:
                        services.validate_transfer(back, actor=worker)
            elif kind == "cancel":
                open_ = list(Transfer.objects.filter(company=company, state__in=["waiting", "ready"]))
                if open_:
                    services.cancel_transfer(open_[index % len(open_)], worker)
        broken = invariants.violations()
        assert not broken, invariants.describe(broken)
    assert all(q >= 0 for q in _non_negative_quants(products))


def _non_negative_quants(products: list[Product]) -> list[Decimal]:
    from tandem.inventory.models import Quant

    return list(
        Quant.objects.filter(product__in=products, negative_allowed=False).values_list("quantity", flat=True)
    )
