"""What of inventory can be imported: warehouses with their locations, and opening stock
(quantity per product, location and lot, posted as one done adjustment per warehouse and batch)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.catalog.models import Product
from tandem.core.errors import BusinessError
from tandem.core.importing import (
    DATE,
    DECIMAL,
    Cleaned,
    ImportContext,
    ImportField,
    ImportSpec,
    MatchKey,
    Reason,
    RowInvalid,
)
from tandem.core.messages import Message
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Location, Warehouse

WAREHOUSE = ImportField(
    "warehouse", gettext_lazy("Warehouse code"), required=True, max_length=8,
    aliases=("warehouse", "wh", "склад", "magazyn", "skladišče", "仓库"),
)  # fmt: skip
LOCATION = ImportField(
    "location", gettext_lazy("Location"), max_length=400,
    aliases=("location", "bin", "shelf", "место хранения", "lokalizacja", "lokacija", "库位"),
    help_text=gettext_lazy("Below the warehouse, parts separated by “/”: Stock/Shelf A. Empty: Stock."),
)  # fmt: skip

LOCATION_FIELDS = (
    WAREHOUSE,
    ImportField("warehouse_name", gettext_lazy("Warehouse name"), max_length=100, aliases=("site",)),
    LOCATION,
    ImportField(
        "barcode", gettext_lazy("Barcode"), max_length=64, aliases=("ean", "штрихкод", "kod kreskowy")
    ),
)


def _parts(text: str) -> list[str]:
    return [part.strip() for part in (text or "Stock").split("/") if part.strip()]


def _validate_location(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    code = str(row["warehouse"]).strip().upper()
    parts = _parts(str(row.get("location", "")))
    errors: dict[str, list[Reason]] = {}
    if not code or "/" in code:
        errors["warehouse"] = [Message(gettext_noop("A warehouse code is a short word without “/”."))]
    if not parts:
        errors["location"] = [Message(gettext_noop("Name the location below the warehouse."))]
    if errors:
        raise RowInvalid(errors)
    return {
        "warehouse": code, "warehouse_name": str(row.get("warehouse_name", "")).strip() or code,
        "path": "/".join([code, *parts]), "barcode": str(row.get("barcode", "")).strip(),
    }  # fmt: skip


def _existing_locations(ctx: ImportContext, key: str, keys: list[str]) -> dict[str, int]:
    rows = Location.objects.filter(company=ctx.company, path__in=keys)
    return dict(rows.values_list("path", "pk"))


@transaction.atomic
def import_locations(
    company: Company, actor: User | None, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]
) -> dict[str, int]:
    """Create the warehouses and every missing location of each path; updates set the barcode."""
    counts = {"created": 0, "updated": 0, "warehouses": 0}
    for row in creates:
        warehouse = Warehouse.objects.filter(company=company, code=row["warehouse"]).first()
        if warehouse is None:
            warehouse = services.create_warehouse(
                company, actor, name=row["warehouse_name"], code=row["warehouse"]
            )
            counts["warehouses"] += 1
        parent = warehouse.view_location
        assert parent is not None
        for part in row["path"].split("/")[1:]:
            found = Location.objects.filter(company=company, path=f"{parent.path}/{part}").first()
            if found is None:
                barcode = row["barcode"] if f"{parent.path}/{part}" == row["path"] else ""
                found = services.create_location(company, actor, name=part, parent=parent, barcode=barcode)
                counts["created"] += 1
            parent = found
    for pk, row in updates:
        location = Location.objects.get(company=company, pk=pk)
        if row["barcode"] and row["barcode"] != location.barcode:
            services.update_location(location, actor, barcode=row["barcode"])
            counts["updated"] += 1
    return counts


LOCATIONS = ImportSpec(
    key="inventory.location",
    label=gettext_lazy("Warehouses and locations"),
    model="inventory.Location",
    permissions=("inventory.add_warehouse", "inventory.add_location"),
    fields=LOCATION_FIELDS,
    match_keys=(MatchKey("path", gettext_lazy("Warehouse and location"), ("path",)),),
    validate_row=_validate_location,
    make_key=lambda match_key, cleaned: cleaned["path"],
    find_existing=_existing_locations,
    write_batch=import_locations,
    list_url="inventory:location_list",
    description=gettext_lazy(
        "A warehouse is created with Stock, Input and Output; rows add shelves and bins below."
    ),
)


# --- opening stock --------------------------------------------------------------------------

OPENING_FIELDS = (
    ImportField(
        "sku",
        gettext_lazy("SKU"),
        required=True,
        max_length=64,
        aliases=("article", "артикул", "indeks", "šifra", "货号"),
    ),
    WAREHOUSE,
    LOCATION,
    ImportField(
        "quantity",
        gettext_lazy("Quantity"),
        required=True,
        kind=DECIMAL,
        aliases=("qty", "количество", "ilość", "količina", "数量"),
    ),
    ImportField(
        "lot",
        gettext_lazy("Lot or serial number"),
        max_length=64,
        aliases=("lot", "batch", "партия", "partia", "serija", "批号"),
    ),
    ImportField(
        "expiry_date", gettext_lazy("Expiry date"), kind=DATE, aliases=("best before", "termin ważności")
    ),
    ImportField(
        "unit_cost",
        gettext_lazy("Unit value"),
        kind=DECIMAL,
        help_text=gettext_lazy(
            "Per unit of the product, in the company's currency: what the stock is valued at."
        ),
        aliases=("unit cost", "cost", "себестоимость", "koszt jednostkowy", "nabavna cena", "单位成本"),
    ),
)

VALUES = "inventory.view_valuationlayer"  # who sees stock values may set them


def _prepare_opening(ctx: ImportContext) -> None:
    ctx.cache["products"] = {
        p.sku: p
        for p in Product.objects.filter(company=ctx.company).select_related("uom").exclude(kind="service")
    }
    ctx.cache["locations"] = {
        loc.path: loc for loc in Location.objects.filter(company=ctx.company, kind="internal")
    }


def _validate_opening(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    product = ctx.cache["products"].get(str(row["sku"]).strip())
    if product is None:
        errors["sku"] = [
            Message(gettext_noop("No stocked product has the SKU “%(sku)s”."), {"sku": row["sku"]})
        ]
    path = "/".join([str(row["warehouse"]).strip().upper(), *_parts(str(row.get("location", "")))])
    location = ctx.cache["locations"].get(path)
    if location is None:
        errors["location"] = [Message(gettext_noop("There is no location “%(path)s”."), {"path": path})]
    quantity = row["quantity"]
    if not isinstance(quantity, Decimal) or quantity <= 0:
        errors["quantity"] = [Message(gettext_noop("A quantity is more than zero."))]
    lot = str(row.get("lot", "")).strip()
    if product is not None and product.tracking != Product.Tracking.NONE and not lot:
        errors["lot"] = [Message(gettext_noop("This product is tracked: name its lot."))]
    if product is not None and product.use_expiry and lot and not row.get("expiry_date"):
        errors["expiry_date"] = [Message(gettext_noop("This product's lots need an expiry date."))]
    if product is not None and product.tracking == Product.Tracking.SERIAL and quantity != 1:
        errors["quantity"] = [Message(gettext_noop("A serial number is one piece."))]
    if product is not None and isinstance(quantity, Decimal) and quantity % product.uom.rounding:
        errors["quantity"] = [Message(gettext_noop("The product's unit does not count parts of this size."))]
    unit_cost = row.get("unit_cost")
    unit_cost = None if unit_cost == "" else unit_cost
    if unit_cost is not None and not (isinstance(unit_cost, Decimal) and unit_cost >= 0):
        errors["unit_cost"] = [Message(gettext_noop("A unit value is a number of zero or more."))]
    elif unit_cost is not None and not (ctx.actor is not None and ctx.actor.has_perm(VALUES)):
        errors["unit_cost"] = [Message(gettext_noop("Only who may see stock values sets a unit value."))]
    if errors:
        raise RowInvalid(errors)
    return {
        "product_id": product.pk, "location_id": location.pk, "quantity": quantity, "lot": lot,
        "expiry_date": row.get("expiry_date"), "unit_cost": unit_cost,
    }  # fmt: skip


@transaction.atomic
def import_opening(
    company: Company, actor: User | None, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]
) -> dict[str, int]:
    """One done adjustment per warehouse for the batch's rows."""
    products = Product.objects.filter(company=company).in_bulk({row["product_id"] for row in creates})
    locations = Location.objects.filter(company=company).in_bulk({row["location_id"] for row in creates})
    by_warehouse: dict[int | None, list[services.OpeningLine]] = defaultdict(list)
    for row in creates:
        location = locations[row["location_id"]]
        by_warehouse[location.warehouse_id].append(
            services.OpeningLine(
                products[row["product_id"]],
                location,
                row["quantity"],
                row["lot"],
                row["expiry_date"],
                unit_cost=row.get("unit_cost"),
            )
        )
    adjustments = 0
    for lines in by_warehouse.values():
        try:
            services.import_opening_stock(company, actor, lines)
        except BusinessError as error:  # checked row by row already; a lot clash between rows
            raise RowInvalid({"row": [error.message]}) from error
        adjustments += 1
    return {"created": len(creates), "updated": 0, "adjustments": adjustments}


OPENING = ImportSpec(
    key="inventory.opening_stock",
    label=gettext_lazy("Opening stock"),
    model="inventory.Quant",
    permissions=("inventory.add_transfer", "inventory.change_transfer"),
    fields=OPENING_FIELDS,
    match_keys=(MatchKey("sku", gettext_lazy("Every row is stock to add"), ("sku",)),),
    prepare=_prepare_opening,
    validate_row=_validate_opening,
    make_key=lambda match_key, cleaned: None,
    find_existing=lambda ctx, key, keys: {},
    write_batch=import_opening,
    list_url="inventory:quant_list",
    description=gettext_lazy(
        "What each location holds on the first day and its unit value, posted as a done adjustment "
        "per warehouse with its valuation entry."
    ),
)

SPECS = [LOCATIONS, OPENING]
