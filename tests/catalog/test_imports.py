"""Product and price-list imports: categories created, units, locale numbers, update by SKU or barcode."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.catalog.services import create_product
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tests.kit.imports import uploaded


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _import(
    company: Any, actor: Any, spec: str, content: str, mode: str = "all", **options: Any
) -> ImportRun:
    run = uploaded(company, actor, spec_key=spec, name="file.csv", content=content.encode())
    if options:
        columns = {int(k): v for k, v in run.mapping.items()}
        run = services.set_mapping(run, actor, columns=columns, options={**run.options, **options})
    run = services.dry_run(run, actor)
    return services.start_commit(run, actor, mode=mode)


PRODUCTS = (
    "Артикул;Наименование;Штрихкод;Категория;Единица измерения;Цена;Себестоимость\n"
    "CH-1;Стул Венский;5901234123457;Furniture / Chairs;pcs;1 234,50;800\n"
    "TB-1;Стол;;Furniture > Tables;;99,90;\n"
)


def test_products_with_category_paths_units_and_prices(company: Any, manager: Any, pcs: Any) -> None:
    run = _import(company, manager, "catalog.product", PRODUCTS)
    assert run.state == ImportRun.State.DONE, (run.error, services.outcomes_of(run))
    chair = Product.objects.get(sku="CH-1")
    assert (chair.name, chair.barcode, chair.uom, chair.sales_price, chair.cost) == (
        "Стул Венский",
        "5901234123457",
        pcs,
        Decimal("1234.50"),
        Decimal("800"),
    )
    assert chair.category is not None and chair.category.path == "Furniture / Chairs"
    assert Product.objects.get(sku="TB-1").category.path == "Furniture / Tables"  # type: ignore[union-attr]
    assert set(Category.objects.values_list("path", flat=True)) == {
        "Furniture",
        "Furniture / Chairs",
        "Furniture / Tables",
    }
    again = _import(company, manager, "catalog.product", PRODUCTS.replace("99,90", "109,90"))
    assert (again.result["created"], again.result["updated"], again.result["unchanged"]) == (0, 1, 1)
    assert Product.objects.get(sku="TB-1").sales_price == Decimal("109.90")


def test_bad_product_rows_have_reasons(company: Any, manager: Any, pcs: Any) -> None:
    run = _import(
        company, manager, "catalog.product",
        "sku;name;barcode;uom;sales price\nX-1;Bad barcode;5901234123450;pcs;1\n"
        "X-2;Bad unit;;crate;1\nX-3;Negative;;pcs;-5\n",
        mode="valid",
    )  # fmt: skip
    assert run.result["created"] == 0 and run.result["rejected"] == 3
    text = str(services.outcomes_of(run))
    assert "check digit" in text and "There is no unit of measure “crate”" in text and "zero or more" in text


def test_weights_and_volumes_are_imported_and_a_bad_one_is_a_row_reason(
    company: Any, manager: Any, pcs: Any
) -> None:
    run = _import(
        company, manager, "catalog.product",
        "sku;name;weight kg;volume m3\nW-1;Wardrobe;85,5;1,2\nW-2;Feather;-1;0\nW-3;Dust;0,00001;0\n",
        mode="valid",
    )  # fmt: skip
    assert (run.result["created"], run.result["rejected"]) == (1, 2), services.outcomes_of(run)
    wardrobe = Product.objects.get(sku="W-1")
    assert (wardrobe.weight, wardrobe.volume) == (Decimal("85.5"), Decimal("1.2"))
    text = str(services.outcomes_of(run))
    assert "zero or more" in text and "four decimal places" in text


def test_update_by_barcode_refuses_a_taken_sku(company: Any, manager: Any, pcs: Any) -> None:
    create_product(company, manager, sku="A", name="A", uom=pcs, barcode="5901234123457")
    create_product(company, manager, sku="B", name="B", uom=pcs)
    run = _import(
        company,
        manager,
        "catalog.product",
        "barcode;sku;name\n5901234123457;B;Renamed\n",
        match_key="barcode",
    )
    assert run.state == ImportRun.State.REJECTED and "Another product already has this SKU." in str(
        services.outcomes_of(run)
    )


def test_salesperson_may_not_import_products(company: Any, salesperson: Any) -> None:
    from tandem.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.upload(
            company, salesperson, spec_key="catalog.product", name="p.csv", content=PRODUCTS.encode()
        )


def test_price_list_rows_are_idempotent(company: Any, manager: Any, pcs: Any) -> None:
    create_product(company, manager, sku="CH-1", name="Chair", uom=pcs)
    content = (
        "Cennik;Waluta;SKU;Od ilości;Cena;Ważny od;Ważny do\n"
        "Hurt PL;PLN;CH-1;0;120,00;01.01.2027;31.12.2027\n"
        "Hurt PL;PLN;CH-1;10;110,00;01.01.2027;\n"
        "Retail;;CH-1;;1.234,50;;\n"
    )
    run = _import(company, manager, "catalog.pricelistitem", content)
    assert run.state == ImportRun.State.DONE, services.outcomes_of(run)
    assert run.result["created"] == 3 and run.result["price_lists"] == 2
    hurt = PriceList.objects.get(name="Hurt PL")
    assert hurt.currency_id == "PLN" and PriceList.objects.get(name="Retail").currency_id == "EUR"
    first = PriceListItem.objects.get(price_list=hurt, min_quantity=0)
    assert (first.price, first.valid_from, first.valid_to) == (
        Decimal("120.00"),
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    again = _import(company, manager, "catalog.pricelistitem", content.replace("110,00", "105,00"))
    assert (again.result["created"], again.result["updated"], again.result["unchanged"]) == (0, 1, 2)
    assert PriceListItem.objects.count() == 3


def test_price_list_in_another_currency_is_refused(company: Any, manager: Any, pcs: Any) -> None:
    create_product(company, manager, sku="CH-1", name="Chair", uom=pcs)
    run = _import(
        company,
        manager,
        "catalog.pricelistitem",
        "price list;currency;sku;price\nL;PLN;CH-1;1\nL;EUR;CH-1;2\n",
    )
    assert run.state == ImportRun.State.REJECTED and "is in PLN" in str(services.outcomes_of(run))
    assert not PriceList.objects.exists()
