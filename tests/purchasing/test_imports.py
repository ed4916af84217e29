"""Moving in: supplier prices and open purchase orders through the import wizard's engine."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.models import Company, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer
from tandem.partners.models import Partner
from tandem.purchasing.models import PurchaseOrder, SupplierPrice
from tests.kit.imports import uploaded

pytestmark = pytest.mark.django_db
PRICES = "purchasing.supplierprice"
ORDERS = "purchasing.purchaseorder"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, spec: str, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(company, actor, spec_key=spec, name="file.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


def _reasons(run: ImportRun) -> dict[int, str]:
    """Row number → every reason of a refused row, as one text."""
    return {
        line: " ".join(str(reason) for reasons in detail["errors"].values() for reason in reasons)
        for line, status, detail in services.outcomes_of(run)
        if isinstance(detail, dict) and "errors" in detail
    }


def test_supplier_prices_are_imported_and_imported_again_as_updates(
    company: Company, admin: User, timber_co: Partner, oak: Product
) -> None:
    content = (
        "supplier;sku;price;currency;min quantity;lead time;valid from\n"
        "Timber Co;OAK-1;12,50;EUR;0;10;\n"
        "timber co;OAK-1;10.50;EUR;100;12;2026-01-01\n"
    )
    run = _import(company, admin, PRICES, content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    assert sorted(SupplierPrice.objects.values_list("min_quantity", "price", "lead_time_days")) == [
        (0, 12.5, 10),
        (100, 10.5, 12),
    ]
    again = _import(company, admin, PRICES, content.replace("12,50", "13"))
    assert again.state == ImportRun.State.DONE, services.outcomes_of(again)
    assert SupplierPrice.objects.count() == 2  # the same key updates the price
    assert SupplierPrice.objects.get(min_quantity=0).price == 13


def test_a_purchase_unit_column_prices_per_a_unit_of_the_products_kind(
    company: Company, admin: User, timber_co: Partner, oak: Product
) -> None:
    from tandem.core.models import Uom

    box = Uom.objects.create(category=oak.uom.category, code="box12", name="Box of 12", factor=12, rounding=1)
    other_kind = Uom.objects.exclude(category=oak.uom.category).order_by("code").first()
    assert other_kind is not None
    content = (
        "supplier;sku;price;purchase unit;min quantity\n"
        "Timber Co;OAK-1;120;BOX12;2\n"
        f"Timber Co;OAK-1;11;{other_kind.code};0\n"
        "Timber Co;OAK-1;11;crate;5\n"
        "Timber Co;OAK-1;12;;10\n"
    )
    run = _import(company, admin, PRICES, content, mode="valid")
    texts = sorted(_reasons(run).values())
    assert len(texts) == 2, texts
    assert any(f"“{other_kind.code}” measures" in text and "product's kind" in text for text in texts), texts
    assert any("no unit of measure “crate”" in text for text in texts), texts
    rows = dict(SupplierPrice.objects.values_list("min_quantity", "uom_id"))
    assert rows == {2: box.pk, 10: None}
    head = "supplier;sku;price;purchase unit;min quantity\n"
    again = _import(company, admin, PRICES, head + "Timber Co;OAK-1;9;;2\nTimber Co;OAK-1;11;pcs;10\n")
    assert again.state == ImportRun.State.DONE, services.outcomes_of(again)
    rows = dict(SupplierPrice.objects.values_list("min_quantity", "uom_id"))
    assert rows == {2: box.pk, 10: oak.uom_id}  # an empty cell keeps the unit; a named one sets it


def test_bad_supplier_price_rows_are_refused_with_reasons_and_nothing_is_written(
    company: Company, admin: User, timber_co: Partner, oak: Product
) -> None:
    content = (
        "supplier;sku;price;currency;lead time;valid from;valid to\n"
        "Timber Co;OAK-1;12;EUR;10;;\n"  # a good row: all or nothing writes it neither
        "Nobody Ltd;OAK-1;12;EUR;10;;\n"
        "Timber Co;NOPE;12;EUR;10;;\n"
        "Timber Co;OAK-1;-1;EUR;10;;\n"
        "Timber Co;OAK-1;12;XXX;10;;\n"
        "Timber Co;OAK-1;12;EUR;2.5;;\n"
        "Timber Co;OAK-1;12;EUR;10;2026-05-01;2026-04-01\n"
    )
    run = _import(company, admin, PRICES, content)
    assert run.state == ImportRun.State.REJECTED and run.result["created"] == 0
    assert not SupplierPrice.objects.exists()
    reasons = _reasons(run)
    assert len(reasons) == 6, reasons
    expected = [
        "no supplier “Nobody Ltd”",
        "no product with the SKU “NOPE”",
        "zero or more",
        "no currency “XXX”",
        "whole days",
        "end date is before the start date",
    ]
    texts = sorted(reasons.values())
    for fragment in expected:
        assert any(fragment in text for text in texts), (fragment, texts)


def test_open_orders_are_imported_confirmed_with_their_receipts(
    company: Company, admin: User, timber_co: Partner, fast_wood: Partner, oak: Product
) -> None:
    inventory.create_warehouse(company, admin, name="Main", code="WH")
    content = (
        "order reference;supplier;order date;expected;sku;quantity;price;currency\n"
        "OLD-1;Timber Co;2026-02-01;2026-03-01;OAK-1;40;11;EUR\n"
        "OLD-1;Timber Co;2026-02-01;2026-03-15;OAK-1;10;11;EUR\n"
        "OLD-2;Fast Wood;2026-02-03;;OAK-1;5;13;EUR\n"
    )
    run = _import(company, admin, ORDERS, content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    first, second = PurchaseOrder.objects.order_by("supplier_reference")
    assert (first.supplier_reference, first.state, first.partner) == ("OLD-1", "confirmed", timber_co)
    assert first.lines.count() == 2 and second.lines.get().quantity == 5
    assert first.receipt is not None and first.receipt.state == Transfer.State.READY
    assert sum(m.quantity for m in first.receipt.moves.all()) == 50

    again = _import(company, admin, ORDERS, content)  # a reference already imported is refused
    assert again.state == ImportRun.State.REJECTED
    assert all("imported already" in text for text in _reasons(again).values())
    assert PurchaseOrder.objects.count() == 2
    assert invariants.violations() == {}


def test_bad_open_order_rows_are_refused_with_reasons_and_nothing_is_written(
    company: Company, admin: User, timber_co: Partner, fast_wood: Partner, oak: Product
) -> None:
    inventory.create_warehouse(company, admin, name="Main", code="WH")
    content = (
        "order reference;supplier;sku;quantity;price\n"
        "NEW-1;Timber Co;OAK-1;10;11\n"
        "NEW-1;Fast Wood;OAK-1;10;11\n"  # one order, two suppliers
        "NEW-2;Timber Co;OAK-1;0;11\n"
        "NEW-3;Timber Co;NOPE;1;11\n"
        "NEW-4;Nobody;OAK-1;1;11\n"
    )
    run = _import(company, admin, ORDERS, content)
    assert run.state == ImportRun.State.REJECTED
    assert not PurchaseOrder.objects.exists() and not Transfer.objects.exists()
    texts = sorted(_reasons(run).values())
    assert len(texts) == 4, texts
    for fragment in ("name one supplier", "above zero", "SKU “NOPE”", "no supplier “Nobody”"):
        assert any(fragment in text for text in texts), (fragment, texts)

    partial = _import(company, admin, ORDERS, content, mode="valid")  # the valid rows only
    assert partial.result["rejected"] == 4, services.outcomes_of(partial)
    assert PurchaseOrder.objects.get().supplier_reference == "NEW-1"
