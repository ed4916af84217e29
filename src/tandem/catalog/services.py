"""Every write on products, categories and price lists."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tandem.catalog.models import MEASURE_DIGITS, MEASURE_PLACES, Category, PriceList, PriceListItem, Product
from tandem.core import events, search
from tandem.core.bulk import ChangedRows
from tandem.core.errors import BusinessError, Conflict, StaleVersion, ValidationFailed
from tandem.core.identifiers import InvalidIdentifier, normalize_barcode
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned

MEASURE_STEP = Decimal(1).scaleb(-MEASURE_PLACES)
MEASURE_LIMIT = Decimal(10) ** (MEASURE_DIGITS - MEASURE_PLACES)

PRODUCT_FIELDS = [
    "kind", "name", "sku", "barcode", "category", "uom", "sales_price", "cost", "description", "active",
    "tracking", "use_expiry", "allow_negative_stock", "weight", "volume", "make_to_order",
]  # fmt: skip


def _normalized_product(
    company: Company, fields: Mapping[str, Any], exclude_id: int | None
) -> dict[str, Any]:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise BusinessError(_("Unknown product fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    data = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    for name in ["name", "sku"]:
        if name in data and not data[name]:
            errors[name] = [_("This field is required.")]
    if data.get("barcode"):
        try:
            data["barcode"] = normalize_barcode(data["barcode"])
        except InvalidIdentifier as exc:
            errors["barcode"] = [exc.message]
    for name in ["sales_price", "cost"]:
        if name in data:
            amount = _decimal(data[name])
            if amount is None or amount < 0:
                errors[name] = [_("Enter an amount of zero or more.")]
            else:
                data[name] = amount
    for name in ["weight", "volume"]:
        if name in data:
            measure = _decimal(data[name])
            if measure is None or not measure.is_finite() or measure < 0:
                errors[name] = [_("Enter a number of zero or more.")]
            elif measure != measure.quantize(MEASURE_STEP) or measure >= MEASURE_LIMIT:
                errors[name] = [_("Use at most four decimal places and ten digits before the point.")]
            else:
                data[name] = measure
    category = cast(Category | None, data.get("category"))
    if category is not None and category.company_id != company.pk:
        errors["category"] = [_("This choice belongs to another company.")]
    errors.update(_uniqueness_errors(company, data, exclude_id))
    if errors:
        raise ValidationFailed(errors)
    return data


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, float):
        return None  # money never passes through a float
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _uniqueness_errors(
    company: Company, data: Mapping[str, Any], exclude_id: int | None
) -> dict[str, list[str]]:
    errors = {}
    others = Product.objects.filter(company=company).exclude(pk=exclude_id)
    if data.get("sku") and others.filter(sku=data["sku"]).exists():
        errors["sku"] = [_("Another product already has this SKU.")]
    if data.get("barcode") and others.filter(barcode=data["barcode"]).exists():
        errors["barcode"] = [_("Another product already has this barcode.")]
    return errors


@transaction.atomic
def create_product(company: Company, actor: User | None, **fields: Any) -> Product:
    data = _normalized_product(company, fields, exclude_id=None)
    if "uom" not in data:
        raise ValidationFailed({"uom": [_("Choose a unit of measure.")]})
    product = Product.objects.create(company=company, **data)
    search.refresh(Product, [product.pk])
    events.record("product.created", product, actor, {"sku": product.sku, "name": product.name})
    return product


@transaction.atomic
def update_product(
    product: Product, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Product:
    data = _normalized_product(product.company, fields, exclude_id=product.pk)
    return update_versioned(product, actor, data, expected_version=expected_version, event="product.updated")


@transaction.atomic
def create_category(
    company: Company, actor: User | None, *, name: str, parent: Category | None = None
) -> Category:
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": [_("This field is required.")]})
    if parent is not None and parent.company_id != company.pk:
        raise ValidationFailed({"parent": [_("This choice belongs to another company.")]})
    if Category.objects.filter(company=company, parent=parent, name=name).exists():
        raise Conflict(_("This category already exists."), field="name")
    path = f"{parent.path} / {name}" if parent else name
    category = Category.objects.create(company=company, name=name, parent=parent, path=path)
    events.record("category.created", category, actor, {"path": path})
    return category


@transaction.atomic
def create_price_list(company: Company, actor: User | None, **fields: Any) -> PriceList:
    group = fields.get("customer_group")
    if group is not None and group.company_id != company.pk:
        raise ValidationFailed({"customer_group": [_("This choice belongs to another company.")]})
    if PriceList.objects.filter(company=company, name=fields.get("name", "")).exists():
        raise Conflict(_("A price list with this name already exists."), field="name")
    price_list = PriceList.objects.create(company=company, **fields)
    events.record("pricelist.created", price_list, actor, {"name": price_list.name})
    return price_list


@transaction.atomic
def set_price(
    price_list: PriceList,
    actor: User | None,
    *,
    product: Product,
    price: Any,
    min_quantity: Any = 0,
    valid_from: Any = None,
    valid_to: Any = None,
    expected_version: int | None = None,
) -> PriceListItem:
    """Add a price row (a quantity break, a dated price) to a price list.

    The list's version moves on; with ``expected_version`` (the client's ``If-Match``) a list
    changed since it was read refuses the price (:class:`StaleVersion`)."""
    amount, quantity = _decimal(price), _decimal(min_quantity)
    errors: dict[str, list[str]] = {}
    if amount is None or amount < 0:
        errors["price"] = [_("Enter an amount of zero or more.")]
    if quantity is None or quantity < 0:
        errors["min_quantity"] = [_("Enter a quantity of zero or more.")]
    if valid_from and valid_to and valid_from > valid_to:
        errors["valid_to"] = [_("The end date is before the start date.")]
    if product.company_id != price_list.company_id:
        errors["product"] = [_("This choice belongs to another company.")]
    if errors or amount is None or quantity is None:
        raise ValidationFailed(errors)
    _next_version(price_list, expected_version)
    item = PriceListItem.objects.create(
        price_list=price_list, product=product, price=amount, min_quantity=quantity,
        valid_from=valid_from, valid_to=valid_to,
    )  # fmt: skip
    events.record(
        "pricelist.price_set", price_list, actor,
        {"product": product.sku, "price": str(amount), "min_quantity": str(quantity)},
    )  # fmt: skip
    return item


def _next_version(price_list: PriceList, expected_version: int | None) -> None:
    """Move the list's version on in one conditional UPDATE; refuse if it moved since it was read."""
    rows = PriceList.objects.filter(pk=price_list.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    if not rows.update(version=F("version") + 1):
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    price_list.refresh_from_db(fields=["version"])


# --- bulk import (driven by tandem.catalog.imports) --------------------------------------

IMPORT_BATCH_SIZE = 2000
_IMPORT_PRODUCT_FIELDS = [
    "kind",
    "name",
    "sku",
    "barcode",
    "uom_id",
    "sales_price",
    "cost",
    "weight",
    "volume",
    "description",
    "active",
]


@transaction.atomic
def import_products(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """Write product rows validated by ``tandem.catalog.imports`` in bulk.

    ``category`` is a path ("Furniture / Chairs"); missing categories are created with their
    parents (one ``category.created`` event each). Updates change only the fields a row carries
    and skip products they would not change. No event per product: the import records one.
    """
    from tandem.core.text import name_key

    counts = {"created": 0, "updated": 0, "unchanged": 0, "categories": 0}
    rows = [*creates, *(row for _pk, row in updates)]
    categories = _import_categories(
        company, actor, {row["category"] for row in rows if row.get("category")}, counts
    )
    products = []
    for row in creates:
        fields = {name: row[name] for name in _IMPORT_PRODUCT_FIELDS if name in row}
        fields.setdefault("uom_id", row.get("default_uom_id"))
        category = categories.get(row.get("category", ""))
        products.append(
            Product(company=company, name_key=name_key(fields["name"]), category_id=category, **fields)
        )
    Product.objects.bulk_create(products, batch_size=IMPORT_BATCH_SIZE)
    search.refresh(Product, [p.pk for p in products])
    counts["created"] = len(products)
    existing = Product.objects.filter(company=company).in_bulk([pk for pk, _row in updates])
    changed = ChangedRows(Product, batch_size=IMPORT_BATCH_SIZE)
    for pk, row in updates:
        product = existing[pk]
        values = {name: row[name] for name in _IMPORT_PRODUCT_FIELDS if name in row}
        if row.get("category"):
            values["category_id"] = categories[row["category"]]
        changed_fields = changed.apply(product, values)
        if "name" in changed_fields:
            changed_fields |= changed.apply(product, {"name_key": name_key(product.name)})
        if changed_fields:
            changed.mark(product, changed_fields)
        else:
            counts["unchanged"] += 1
    counts["updated"] = changed.write()
    return counts


def _import_categories(
    company: Company, actor: User | None, paths: set[str], counts: dict[str, int]
) -> dict[str, int]:
    """``{path: id}`` for every path, creating the missing ones (parents first)."""
    wanted = {
        " / ".join(parts[:depth])
        for path in paths
        if (parts := path.split(" / "))
        for depth in range(1, len(parts) + 1)
    }
    known = {c.path: c for c in Category.objects.filter(company=company, path__in=wanted)}
    for path in sorted(wanted, key=lambda p: p.count(" / ")):
        if path in known:
            continue
        parent_path, _sep, name = path.rpartition(" / ")
        known[path] = create_category(
            company, actor, name=name, parent=known.get(parent_path) if parent_path else None
        )
        counts["categories"] += 1
    return {path: category.pk for path, category in known.items()}


@transaction.atomic
def import_prices(
    company: Company,
    actor: User | None,
    creates: list[dict[str, Any]],
    updates: list[tuple[int, dict[str, Any]]],
) -> dict[str, int]:
    """Write price-list rows validated by ``tandem.catalog.imports`` in bulk.

    A price list named by a row that does not exist yet is created in the row's currency.
    Updates change the price and the end date of the matched row (list, product, quantity
    and start date identify it).
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0, "price_lists": 0}
    wanted = {row["price_list"]: row["currency"] for row in [*creates, *(row for _pk, row in updates)]}
    lists = {p.name: p for p in PriceList.objects.filter(company=company, name__in=list(wanted))}
    for name, currency in wanted.items():
        if name not in lists:
            lists[name] = create_price_list(company, actor, name=name, currency_id=currency)
            counts["price_lists"] += 1
    items = [
        PriceListItem(
            price_list=lists[row["price_list"]], product_id=row["product_id"], price=row["price"],
            min_quantity=row["min_quantity"], valid_from=row["valid_from"], valid_to=row["valid_to"],
        )
        for row in creates
    ]  # fmt: skip
    PriceListItem.objects.bulk_create(items, batch_size=IMPORT_BATCH_SIZE)
    counts["created"] = len(items)
    existing = PriceListItem.objects.filter(price_list__company=company).in_bulk([pk for pk, _row in updates])
    changed = ChangedRows(PriceListItem, batch_size=IMPORT_BATCH_SIZE)
    for pk, row in updates:
        if not changed.change(existing[pk], {"price": row["price"], "valid_to": row["valid_to"]}):
            counts["unchanged"] += 1
    counts["updated"] = changed.write()
    return counts
