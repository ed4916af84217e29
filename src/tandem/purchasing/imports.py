"""What of purchasing can be imported: supplier prices and open purchase orders.

Supplier prices name the supplier (its name, or its external reference), the product's SKU,
the price, currency, purchase unit (a unit of the product's kind: a box of 12 for pieces; the
price and minimum quantity are per it; empty: the product's unit), minimum quantity, lead time
and validity; the same supplier, product,
minimum quantity and start date update the price instead of adding one, so a price file can
be imported again. Open orders are one row per line; rows with the same order reference
make one order, confirmed as it was in the old system (no approval is asked again) with its
receipt expected — an order reference already imported is refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy, gettext_noop

from tandem.catalog.models import Product
from tandem.core.importing import (
    DATE,
    DECIMAL,
    REFERENCE,
    Cleaned,
    ImportContext,
    ImportField,
    ImportSpec,
    MatchKey,
    Reason,
    RowInvalid,
)
from tandem.core.messages import Message
from tandem.core.models import Currency, Uom
from tandem.core.money import plain
from tandem.partners.models import Partner
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder, SupplierPrice

PLACES = Decimal("0.0001")

SUPPLIER = ImportField(
    "supplier",
    gettext_lazy("Supplier"),
    kind=REFERENCE,
    required=True,
    max_length=200,
    aliases=("vendor", "supplier name", "поставщик", "dostawca", "dobavitelj", "供应商"),
)
SKU = ImportField(
    "sku",
    gettext_lazy("SKU"),
    kind=REFERENCE,
    required=True,
    max_length=64,
    aliases=("article", "product code", "item code", "артикул", "indeks", "šifra", "货号"),
)
CURRENCY = ImportField(
    "currency",
    gettext_lazy("Currency"),
    kind=REFERENCE,
    max_length=3,
    aliases=("валюта", "waluta", "valuta", "货币", "币种"),
)
PRICE = ImportField(
    "price",
    gettext_lazy("Unit price"),
    kind=DECIMAL,
    required=True,
    aliases=("price", "purchase price", "цена", "cena", "cena na enoto", "单价", "价格"),
)

PRICE_FIELDS = (
    SUPPLIER,
    SKU,
    ImportField(
        "supplier_sku",
        gettext_lazy("Supplier's code"),
        max_length=64,
        aliases=("vendor code", "supplier code", "код поставщика", "kod dostawcy", "供应商编码"),
    ),
    PRICE,
    CURRENCY,
    ImportField(
        "uom",
        gettext_lazy("Purchase unit"),
        kind=REFERENCE,
        max_length=16,
        aliases=(
            "purchase unit",
            "unit",
            "uom",
            "order unit",
            "pack",
            "единица закупки",
            "единица",
            "jednostka zakupu",
            "jednostka",
            "nabavna enota",
            "enota",
            "采购单位",
            "单位",
        ),
    ),
    ImportField(
        "min_quantity",
        gettext_lazy("Minimum quantity"),
        kind=DECIMAL,
        aliases=("min quantity", "moq", "минимальное количество", "minimalna ilość", "最小订购量"),
    ),
    ImportField(
        "lead_time_days",
        gettext_lazy("Lead time (days)"),
        kind=DECIMAL,
        aliases=("lead time", "delivery days", "срок поставки", "czas dostawy", "dobavni rok", "交货期"),
    ),
    ImportField(
        "valid_from", gettext_lazy("Valid from"), kind=DATE, aliases=("from", "ważny od", "生效日期")
    ),
    ImportField(
        "valid_to", gettext_lazy("Valid to"), kind=DATE, aliases=("to", "until", "ważny do", "失效日期")
    ),
)


def _suppliers(ctx: ImportContext) -> dict[str, int]:
    rows = Partner.objects.filter(company=ctx.company, is_supplier=True, active=True)
    found: dict[str, int] = {}
    for pk, name, ref in rows.values_list("pk", "name", "ref"):
        found.setdefault(name.strip().casefold(), pk)
        if ref:
            found.setdefault(ref.strip().casefold(), pk)
    return found


def _prepare_common(ctx: ImportContext) -> None:
    ctx.cache["suppliers"] = _suppliers(ctx)
    products = Product.objects.filter(company=ctx.company).values_list("sku", "pk", "uom__category_id")
    ctx.cache["products"] = {sku: pk for sku, pk, _kind in products}
    ctx.cache["unit_kinds"] = {pk: kind for _sku, pk, kind in products}
    ctx.cache["currencies"] = set(Currency.objects.filter(active=True).values_list("code", flat=True))


def _common(ctx: ImportContext, row: dict[str, Any], errors: dict[str, list[Reason]]) -> dict[str, Any]:
    supplier = ctx.cache["suppliers"].get(str(row["supplier"]).strip().casefold())
    if supplier is None:
        errors["supplier"] = [
            Message(gettext_noop("There is no supplier “%(name)s”."), {"name": str(row["supplier"])})
        ]
    sku = str(row["sku"]).strip()
    product = ctx.cache["products"].get(sku)
    if product is None:
        errors["sku"] = [Message(gettext_noop("There is no product with the SKU “%(sku)s”."), {"sku": sku})]
    currency = str(row.get("currency", "")).strip().upper()
    if currency and currency not in ctx.cache["currencies"]:
        errors["currency"] = [Message(gettext_noop("There is no currency “%(code)s”."), {"code": currency})]
    return {"partner_id": supplier, "product_id": product, "sku": sku, "currency": currency}


def _number(value: Any, field: str, errors: dict[str, list[Reason]], *, positive: bool = False) -> Decimal:
    if not isinstance(value, Decimal) or value < 0 or (positive and value <= 0):
        errors[field] = [
            Message(
                gettext_noop(
                    "Enter a quantity above zero." if positive else "Enter a number of zero or more."
                )
            )
        ]
        return Decimal(0)
    if value != value.quantize(PLACES):
        errors[field] = [Message(gettext_noop("Use at most four decimal places."))]
    return value


# --- supplier prices ----------------------------------------------------------------------------


def _price_key(match_key: str, cleaned: Cleaned) -> str | None:
    if cleaned.get("partner_id") is None:
        return None
    start = cleaned.get("valid_from")
    quantity = cleaned.get("min_quantity") or Decimal(0)
    return "\x1f".join(
        [
            str(cleaned["partner_id"]),
            cleaned["sku"],
            plain(quantity),
            start.isoformat() if start else "",
        ]
    )


def _prepare_prices(ctx: ImportContext) -> None:
    _prepare_common(ctx)
    ctx.cache["uoms"] = {
        code.casefold(): (pk, code, kind, kind_name)
        for pk, code, kind, kind_name in Uom.objects.values_list(
            "pk", "code", "category_id", "category__name"
        )
    }
    rows = SupplierPrice.objects.filter(company=ctx.company).values_list(
        "pk", "partner_id", "product__sku", "min_quantity", "valid_from"
    )
    ctx.cache["prices"] = {
        _price_key("", {"partner_id": p, "sku": s, "min_quantity": q, "valid_from": v}): pk
        for pk, p, s, q, v in rows
    }


def _validate_price(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    cleaned = _common(ctx, row, errors)
    price = _number(row["price"], "price", errors)
    quantity = _number(row.get("min_quantity", Decimal(0)), "min_quantity", errors)
    lead = row.get("lead_time_days", Decimal(0))
    if not isinstance(lead, Decimal) or lead < 0 or lead != lead.to_integral_value() or lead > 3650:
        errors["lead_time_days"] = [Message(gettext_noop("Enter whole days from 0 to 3650."))]
        lead = Decimal(0)
    start, end = row.get("valid_from"), row.get("valid_to")
    if start and end and start > end:
        errors["valid_to"] = [Message(gettext_noop("The end date is before the start date."))]
    unit = _purchase_unit(ctx, row, cleaned.get("product_id"), errors)
    if errors:
        raise RowInvalid(errors)
    return {
        **cleaned,
        **unit,
        "price": price,
        "min_quantity": quantity,
        "lead_time_days": int(lead),
        "supplier_sku": str(row.get("supplier_sku", "")).strip(),
        "valid_from": start,
        "valid_to": end,
    }


def _purchase_unit(
    ctx: ImportContext, row: dict[str, Any], product: int | None, errors: dict[str, list[Reason]]
) -> dict[str, Any]:
    """``{"uom_id": …}`` for a purchase-unit cell; ``{}`` for an empty one (a new price is per the
    product's own unit, an updated one keeps its unit, as an empty cell keeps a product's unit
    in the product import). A unit that does not exist, or measures another kind than the
    product's unit (kilograms for a product counted in pieces), is the row's error."""
    code = str(row.get("uom") or "").strip()
    if not code:
        return {}
    found = ctx.cache["uoms"].get(code.casefold())
    if found is None:
        errors["uom"] = [Message(gettext_noop("There is no unit of measure “%(code)s”."), {"code": code})]
        return {}
    pk, code, kind, kind_name = found
    if product is not None and ctx.cache["unit_kinds"].get(product) != kind:
        errors["uom"] = [
            Message(
                gettext_noop(
                    "The unit “%(code)s” measures %(kind)s, not what the product is counted in: "
                    "choose a unit of the product's kind."
                ),
                {"code": code, "kind": kind_name},
            )
        ]
        return {}
    return {"uom_id": pk}


def _find_prices(ctx: ImportContext, match_key: str, keys: list[str]) -> dict[str, int]:
    return {key: ctx.cache["prices"][key] for key in keys if key in ctx.cache["prices"]}


SUPPLIER_PRICES = ImportSpec(
    key="purchasing.supplierprice",
    label=gettext_lazy("Supplier prices"),
    model="purchasing.SupplierPrice",
    permissions=("purchasing.add_supplierprice", "purchasing.change_supplierprice"),
    fields=PRICE_FIELDS,
    match_keys=(
        MatchKey(
            "price",
            gettext_lazy("Supplier, SKU, minimum quantity and start date"),
            ("supplier", "sku", "min_quantity", "valid_from"),
        ),
    ),
    prepare=_prepare_prices,
    validate_row=_validate_price,
    find_existing=_find_prices,
    write_batch=services.import_supplier_prices,
    make_key=_price_key,
    list_url="purchasing:price_list",
    description=gettext_lazy("What suppliers ask per product: price, minimum quantity, lead time, validity."),
)


# --- open purchase orders -----------------------------------------------------------------------

ORDER_FIELDS = (
    ImportField(
        "reference",
        gettext_lazy("Order reference"),
        required=True,
        max_length=64,
        aliases=(
            "order",
            "order number",
            "po",
            "po number",
            "номер заказа",
            "numer zamówienia",
            "številka naročila",
            "订单号",
        ),
    ),
    SUPPLIER,
    ImportField(
        "order_date", gettext_lazy("Order date"), kind=DATE, aliases=("date", "дата", "data", "datum", "日期")
    ),
    ImportField(
        "expected_date",
        gettext_lazy("Expected"),
        kind=DATE,
        aliases=("delivery date", "expected date", "дата поставки", "termin dostawy", "交货日期"),
    ),
    SKU,
    ImportField(
        "quantity",
        gettext_lazy("Quantity to receive"),
        kind=DECIMAL,
        required=True,
        aliases=("quantity", "qty", "open quantity", "количество", "ilość", "količina", "数量"),
    ),
    PRICE,
    CURRENCY,
)


def _prepare_orders(ctx: ImportContext) -> None:
    _prepare_common(ctx)
    ctx.cache["orders"] = dict(
        PurchaseOrder.objects.filter(company=ctx.company)
        .exclude(supplier_reference="")
        .values_list("supplier_reference", "pk")
    )
    ctx.cache["order_suppliers"] = {}


def _validate_order_line(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    cleaned = _common(ctx, row, errors)
    quantity = _number(row["quantity"], "quantity", errors, positive=True)
    price = _number(row["price"], "price", errors)
    reference = str(row["reference"]).strip()
    seen = ctx.cache["order_suppliers"].get(reference)
    if seen is not None and cleaned["partner_id"] is not None and seen != cleaned["partner_id"]:
        errors["supplier"] = [Message(gettext_noop("Rows of one order name one supplier."))]
    if errors:
        raise RowInvalid(errors)
    ctx.cache["order_suppliers"][reference] = cleaned["partner_id"]
    return {
        **cleaned,
        "reference": reference,
        "order_date": row.get("order_date"),
        "expected_date": row.get("expected_date"),
        "quantity": quantity,
        "price": price,
    }


def _order_key(match_key: str, cleaned: Cleaned) -> str | None:
    return None  # every row adds a line; existing references are refused in check_row


def _check_order_line(
    ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None
) -> dict[str, list[Reason]]:
    if cleaned["reference"] in ctx.cache["orders"]:
        return {"reference": [Message(gettext_noop("This order was imported already."))]}
    return {}


OPEN_ORDERS = ImportSpec(
    key="purchasing.purchaseorder",
    label=gettext_lazy("Open purchase orders"),
    model="purchasing.PurchaseOrder",
    permissions=("purchasing.add_purchaseorder", "purchasing.change_purchaseorder"),
    fields=ORDER_FIELDS,
    match_keys=(MatchKey("none", gettext_lazy("Always add"), ("reference",)),),
    prepare=_prepare_orders,
    validate_row=_validate_order_line,
    find_existing=lambda ctx, match_key, keys: {},
    check_row=_check_order_line,
    write_batch=services.import_open_orders,
    make_key=_order_key,
    list_url="purchasing:order_list",
    description=gettext_lazy("Orders placed in the old system and not received yet, one row per line."),
)

SPECS = [SUPPLIER_PRICES, OPEN_ORDERS]
