"""The catalogue's part of the demo company: furniture in collections and materials,
supplies and services, categories, and three price lists (EUR, wholesale with quantity
breaks for the wholesale customer group, PLN), with the EUR→PLN rate they need."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from stdnum import ean

from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.core import search
from tandem.core.demo import BATCH_SIZE, SEED, Demo
from tandem.core.models import Company, ExchangeRate, Uom
from tandem.core.text import name_key
from tandem.partners.models import CustomerGroup

SIZES = {"small": 60, "medium": 2_000, "large": 2_000}  # products per size
EUR_TO_PLN = Decimal("4.2500")
CENT = Decimal("0.01")
WHOLESALE_BREAKS = ((Decimal(0), 92), (Decimal(10), 88), (Decimal(50), 82))  # (from quantity, % of list)


def build(demo: Demo) -> dict[str, int]:
    products, items = _create_catalogue(demo.company, SIZES[demo.size])
    return {"products": products, "price_list_items": items}


# --- drafts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    code: str
    name: str
    factor: int  # % of the base price


# (code, kind of furniture, category, base price in EUR)
FURNITURE = (
    ("DCH", "dining chair", "Chairs", 149), ("ARM", "armchair", "Chairs", 329),
    ("BST", "bar stool", "Chairs", 119), ("OCH", "office chair", "Chairs", 259),
    ("DTB", "dining table", "Tables", 690), ("CTB", "coffee table", "Tables", 240),
    ("STB", "side table", "Tables", 129), ("DSK", "desk", "Desks", 420),
    ("SDK", "standing desk", "Desks", 780), ("SF2", "two-seat sofa", "Sofas", 990),
    ("SF3", "three-seat sofa", "Sofas", 1290), ("CSF", "corner sofa", "Sofas", 1690),
    ("BKS", "bookshelf", "Shelves", 360), ("WSH", "wall shelf", "Shelves", 89),
    ("SBD", "single bed", "Beds", 520), ("DBD", "double bed 160×200", "Beds", 890),
)  # fmt: skip
COLLECTIONS = tuple(
    _Line(code, name, factor)
    for code, name, factor in (
        ("OSL", "Oslo", 100), ("BRG", "Bergen", 110), ("MLM", "Malmö", 95), ("BLD", "Bled", 105),
        ("PIR", "Piran", 120), ("KRK", "Kraków", 90), ("GDN", "Gdańsk", 100), ("TOR", "Toruń", 95),
        ("DRS", "Dresden", 115), ("BRM", "Bremen", 105), ("YRK", "York", 110), ("BOS", "Boston", 125),
        ("LUG", "Lugano", 120), ("TLL", "Tallinn", 90), ("RIG", "Riga", 95), ("VIE", "Vienna", 115),
    )
)  # fmt: skip
MATERIALS = tuple(
    _Line(code, name, factor)
    for code, name, factor in (
        ("OAK", "oak", 100), ("BEE", "beech", 85), ("WAL", "walnut", 135), ("ASH", "ash", 95),
        ("BIR", "birch", 80), ("PIN", "pine", 70), ("WHT", "white lacquered", 90),
        ("BLK", "black-stained oak", 105),
    )
)  # fmt: skip
# (SKU, name, kind, category, unit, price, cost)
_FINISHES, _HARDWARE, _UPHOLSTERY = (
    "Consumables / Finishes",
    "Consumables / Hardware",
    "Consumables / Upholstery",
)
SUPPLIES_AND_SERVICES = (
    ("FIN-VARNISH", "Matt water-based varnish", "consumable", _FINISHES, "l", "24.00", "11.40"),
    ("FIN-OIL", "Hardwax oil, natural", "consumable", _FINISHES, "l", "38.00", "17.90"),
    ("FIN-EDGE-OAK", "Oak edge banding 22 mm", "consumable", _FINISHES, "m", "1.20", "0.45"),
    ("HW-SCREW-440", "Wood screws 4×40, box of 200", "consumable", _HARDWARE, "pcs", "9.50", "4.10"),
    ("HW-CONFIRMAT", "Confirmat screws 7×50, box of 100", "consumable", _HARDWARE, "pcs", "12.00", "5.20"),
    ("HW-FELT", "Felt pads, set of 16", "consumable", _HARDWARE, "pcs", "4.90", "1.60"),
    (
        "UPH-FABRIC-GREY",
        "Upholstery fabric, grey wool blend",
        "consumable",
        _UPHOLSTERY,
        "m",
        "32.00",
        "14.50",
    ),
    ("SRV-ASSEMBLY", "Assembly on site", "service", "Services / Assembly", "h", "45.00", "28.00"),
    ("SRV-REPAIR", "Repair and refinishing", "service", "Services / Assembly", "h", "55.00", "30.00"),
    ("SRV-DELIVERY", "Delivery within 50 km", "service", "Services / Delivery", "pcs", "60.00", "35.00"),
    ("SRV-FREIGHT", "Freight by pallet", "service", "Services / Delivery", "pcs", "180.00", "120.00"),
    ("SRV-DESIGN", "Interior design consultation", "service", "Services / Design", "h", "75.00", "40.00"),
)
GS1_PREFIX = "3831234"  # 383 is Slovenia's GS1 prefix; the company part is made up


@dataclass(frozen=True)
class ProductDraft:
    sku: str
    name: str
    kind: str
    category: str
    uom: str
    price: Decimal
    cost: Decimal
    barcode: str
    description: str = ""


def product_drafts(count: int) -> list[ProductDraft]:
    """The demo catalogue: supplies and services, then ``count`` minus those in furniture."""
    rng = random.Random(SEED)
    fixed = [
        ProductDraft(sku, name, kind, category, uom, Decimal(price), Decimal(cost), barcode="")
        for sku, name, kind, category, uom, price, cost in SUPPLIES_AND_SERVICES
    ]
    combinations = list(itertools.product(FURNITURE, COLLECTIONS, MATERIALS))
    rng.shuffle(combinations)
    goods = [_furniture(rng, *combination) for combination in combinations[: count - len(fixed)]]
    drafts = sorted(goods, key=lambda d: (d.category, d.name)) + fixed
    return [
        _with_barcode(draft, number) if draft.kind != Product.Kind.SERVICE else draft
        for number, draft in enumerate(drafts, start=1)
    ]


def _furniture(
    rng: random.Random, furniture: tuple[str, str, str, int], collection: _Line, material: _Line
) -> ProductDraft:
    code, what, category, base = furniture
    price = (Decimal(base * collection.factor * material.factor) / 10_000).quantize(Decimal(1), ROUND_HALF_UP)
    return ProductDraft(
        sku=f"{code}-{collection.code}-{material.code}",
        name=f"{collection.name} {material.name} {what}",
        kind=Product.Kind.GOODS,
        category=f"Furniture / {category}",
        uom="pcs",
        price=price.quantize(CENT),
        cost=(price * rng.randint(40, 60) / 100).quantize(CENT),
        barcode="",
        description=f"{what.capitalize()} from the {collection.name} collection, {material.name}.",
    )


def _with_barcode(draft: ProductDraft, number: int) -> ProductDraft:
    body = f"{GS1_PREFIX}{number:05d}"
    return dataclasses.replace(draft, barcode=body + ean.calc_check_digit(body))


# --- writing ---------------------------------------------------------------------------


@transaction.atomic
def _create_catalogue(company: Company, count: int) -> tuple[int, int]:
    """Categories, products and the three price lists; returns (products, price list items)."""
    drafts = product_drafts(count)
    categories = _create_categories(company, sorted({d.category for d in drafts}))
    units = Uom.objects.in_bulk({d.uom for d in drafts}, field_name="code")
    products = Product.objects.bulk_create(
        [
            Product(
                company=company,
                kind=d.kind,
                name=d.name,
                name_key=name_key(d.name),
                sku=d.sku,
                barcode=d.barcode,
                category=categories[d.category],
                uom=units[d.uom],
                sales_price=d.price,
                cost=d.cost,
                description=d.description,
            )
            for d in drafts
        ],
        batch_size=BATCH_SIZE,
    )
    search.refresh(Product, [p.pk for p in products])
    _record_rate()
    items = PriceListItem.objects.bulk_create(
        _price_items(_create_price_lists(company), products), batch_size=BATCH_SIZE
    )
    return len(products), len(items)


def _create_categories(company: Company, paths: list[str]) -> dict[str, Category]:
    """Each path ('Furniture / Chairs') and its ancestors, parents first."""
    categories: dict[str, Category] = {}
    wanted = sorted({" / ".join(p.split(" / ")[:depth]) for p in paths for depth in (1, 2)})
    for path in wanted:
        parent_path, _sep, name = path.rpartition(" / ")
        parent = categories.get(parent_path)
        categories[path] = Category.objects.create(company=company, name=name, parent=parent, path=path)
    return categories


@dataclass(frozen=True)
class _PriceLists:
    eur: PriceList
    wholesale: PriceList
    pln: PriceList


def _create_price_lists(company: Company) -> _PriceLists:
    wholesale_group = CustomerGroup.objects.get(company=company, name="Wholesale")
    return _PriceLists(
        eur=PriceList.objects.create(company=company, name="EUR list", currency_id="EUR"),
        wholesale=PriceList.objects.create(
            company=company, name="Wholesale EUR", currency_id="EUR", customer_group=wholesale_group
        ),
        pln=PriceList.objects.create(company=company, name="PLN list", currency_id="PLN"),
    )


def _price_items(lists: _PriceLists, products: list[Product]) -> Iterator[PriceListItem]:
    """Every product on the EUR and PLN lists; goods on the wholesale list with quantity breaks."""
    for product in products:
        price = product.sales_price
        yield PriceListItem(price_list=lists.eur, product=product, price=price)
        yield PriceListItem(price_list=lists.pln, product=product, price=_in_pln(price))
        if product.kind == Product.Kind.GOODS:
            for quantity, percent in WHOLESALE_BREAKS:
                discounted = (price * percent / 100).quantize(CENT)
                yield PriceListItem(
                    price_list=lists.wholesale, product=product, min_quantity=quantity, price=discounted
                )


def _record_rate() -> None:
    """EUR→PLN from the start of this year (rates are shared by every company: add it once)."""
    first_of_year = date(timezone.localdate().year, 1, 1)
    ExchangeRate.objects.get_or_create(
        base_id="EUR", quote_id="PLN", date=first_of_year, defaults={"rate": EUR_TO_PLN}
    )


def _in_pln(price: Decimal) -> Decimal:
    """Whole złoty, as a Polish list would show them."""
    return (price * EUR_TO_PLN).quantize(Decimal(1), ROUND_HALF_UP).quantize(CENT)
