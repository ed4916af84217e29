"""Moving in: warehouses with their shelves, then opening stock with lots, one adjustment per warehouse."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounting.models import Account
from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.core import invariants
from tandem.core.models import Company, User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tandem.inventory import queries
from tandem.inventory.models import Location, Lot, Transfer, ValuationLayer, Warehouse
from tandem.inventory.queries import valuation
from tests.kit.imports import uploaded

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(company: Company, actor: User, spec: str, content: str, mode: str = "all") -> ImportRun:
    run = uploaded(company, actor, spec_key=spec, name="file.csv", content=content.encode())
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


def test_warehouses_locations_and_opening_stock_are_imported(
    company: Company, admin: User, make_product: Callable[..., Product], fabric: Product
) -> None:
    chair = make_product("Chair", sku="CH-1")
    layout = "Warehouse code;Warehouse name;Location;Barcode\n"
    layout += "mb;Maribor;Stock/Shelf A;MB-A\nMB;Maribor;Stock/Shelf B;\n"
    run = _import(company, admin, "inventory.location", layout)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    site = Warehouse.objects.get(code="MB")
    assert Location.objects.get(path="MB/Stock/Shelf A").barcode == "MB-A"
    assert Location.objects.filter(path="MB/Stock/Shelf B", warehouse=site).exists()
    stock = "sku;warehouse;location;quantity;lot\nCH-1;MB;Stock/Shelf A;12;\nFABRIC;MB;;30,5;ROLL-9\n"
    run = _import(company, admin, "inventory.opening_stock", stock)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    assert queries.on_hand(chair, site)[0] == 12 and queries.on_hand(fabric, site)[0] == 30.5
    assert Lot.objects.get(name="ROLL-9").product == fabric
    assert Transfer.objects.get(kind="adjustment").state == "done"
    bad = (
        "sku;warehouse;location;quantity;lot\nNOPE;MB;;1;\nFABRIC;MB;;2;\nCH-1;MB;Nowhere;1;\nCH-1;MB;;-1;\n"
    )
    rejected = _import(company, admin, "inventory.opening_stock", bad, mode="valid")
    assert rejected.result["rejected"] == 4, services.outcomes_of(rejected)
    assert queries.on_hand(chair, site)[0] == 12
    assert invariants.violations() == {}


def test_opening_stock_is_imported_with_its_unit_value_and_its_valuation_entry(
    company: Company, admin: User, worker: User, make_product: Callable[..., Product], warehouse: Warehouse
) -> None:
    charts.install_chart(company, admin, "ifrs")
    make_product("Chair", sku="CH-1")
    make_product("Table", sku="TB-1")
    content = "sku;warehouse;location;quantity;unit value\nCH-1;WH;;8;12,50\nTB-1;WH;;2;40\n"
    content = content.replace("WH", warehouse.code)
    run = _import(company, admin, "inventory.opening_stock", content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    opening = Transfer.objects.get(kind="adjustment")
    assert opening.moves.count() == 2
    layers = ValuationLayer.objects.filter(move__transfer=opening)
    assert {(layer.move.product.sku, layer.value) for layer in layers} == {
        ("CH-1", Decimal("100")),
        ("TB-1", Decimal("80")),
    }
    stock_account = Account.objects.get(company=company, code="1230")
    assert valuation.stock_account_balance(company.pk, [stock_account.pk]) == Decimal("180")
    assert invariants.violations() == {}
    # warehouse staff import quantities but do not set what stock is worth
    refused = _import(company, worker, "inventory.opening_stock", content, mode="valid")
    assert refused.result["rejected"] == 2, services.outcomes_of(refused)
    assert "stock values" in str(services.outcomes_of(refused))
    assert Transfer.objects.filter(kind="adjustment").count() == 1
