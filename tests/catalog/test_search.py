"""Products get the same search as partners: any part of the name, SKU, barcode or category."""

from __future__ import annotations

import pytest

from tandem.catalog import queries
from tandem.catalog.models import Product
from tandem.catalog.services import create_category, create_product, import_products
from tandem.core.models import Company, Uom, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(company: Company, manager: User, pcs: Uom) -> None:
    seating = create_category(company, manager, name="Seating")
    create_product(company, manager, name="Oak dining chair", sku="OAK-DC-1", uom=pcs, category=seating)
    create_product(company, manager, name="Walnut dining chair", sku="WAL-DC-2", uom=pcs)
    create_product(company, manager, name="Chair cushion", sku="CUSH-3", uom=pcs, barcode="4006381333931")
    create_product(company, manager, name="Sofa table", sku="TAB-4", uom=pcs)


def found(text: str) -> list[str]:
    return [p.name for p in queries.search(Product.objects.all(), text).order_by("name_key", "id")]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("chair", ["Chair cushion", "Oak dining chair", "Walnut dining chair"]),  # a word inside the name
        ("DINING", ["Oak dining chair", "Walnut dining chair"]),
        ("dc-2", ["Walnut dining chair"]),  # part of the SKU
        ("333931", ["Chair cushion"]),  # part of the barcode
        ("seating", ["Oak dining chair"]),  # the category
        ("walnut chair", ["Walnut dining chair"]),  # every word, in any order
    ],
)
def test_search_finds_any_part(products: None, text: str, names: list[str]) -> None:
    assert found(text) == names


def test_imported_products_are_found(company: Company, manager: User, pcs: Uom) -> None:
    row = {"name": "Imported bar stool", "sku": "IMP-1", "default_uom_id": pcs.pk}
    import_products(company, manager, [row], [])
    assert found("stool") == ["Imported bar stool"]
