"""What of the catalogue can be imported: products (with categories) and price-list prices.

Products match by SKU or barcode; a category path ("Furniture / Chairs") is created with its
parents when it does not exist yet (for users who may add categories); the unit is a unit
code (``pcs``, ``kg``…) and defaults to ``pcs``. Price-list rows name the price list (created
in the given currency, or the company's, when new), the product's SKU, the quantity the price
starts at and the validity dates; the same list, product, quantity and start date updates the
price instead of adding a row, so a price file can be imported again.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.catalog import services
from tandem.catalog.models import Category, PriceList, PriceListItem, Product
from tandem.catalog.services import MEASURE_LIMIT
from tandem.core.identifiers import InvalidIdentifier, normalize_barcode
from tandem.core.importing import (
    BOOL,
    CHOICE,
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

DEFAULT_UOM = "pcs"
PLACES = Decimal("0.0001")
_PATH_SPLIT = re.compile(r"\s*(?:/|>|\\|»)\s*")

PRODUCT_FIELDS = (
    ImportField(
        "sku", gettext_lazy("SKU"), required=True, max_length=64,
        aliases=("article", "article number", "item number", "item code", "product code", "code", "артикул",
                 "код товара", "код", "indeks", "kod produktu", "symbol", "numer artykułu", "šifra artikla",
                 "šifra", "koda", "货号", "商品编码", "产品编号", "编码", "sku编码"),
    ),
    ImportField(
        "name", gettext_lazy("Name"), required=True, max_length=200,
        aliases=("product", "product name", "item", "title", "description short", "наименование", "название",
                 "товар", "nazwa", "nazwa produktu", "produkt", "towar", "naziv", "izdelek", "ime izdelka",
                 "名称", "产品名称", "商品名称", "品名"),
    ),
    ImportField(
        "barcode", gettext_lazy("Barcode"), max_length=32,
        aliases=("ean", "ean13", "ean-13", "gtin", "upc", "штрихкод", "штрих-код", "kod kreskowy",
        "črtna koda",
                 "crtna koda", "条码", "条形码"),
    ),
    ImportField(
        "kind", gettext_lazy("Kind"), kind=CHOICE, choices=tuple(Product.Kind.choices),
        aliases=("type", "product type", "вид", "тип", "rodzaj", "typ", "vrsta", "tip", "类型"),
    ),
    ImportField(
        "category", gettext_lazy("Category"), kind=REFERENCE, max_length=500,
        aliases=("product category", "group", "категория", "группа", "kategoria", "grupa", "kategorija",
                 "skupina", "类别", "分类", "产品类别"),
    ),
    ImportField(
        "uom", gettext_lazy("Unit of measure"), kind=REFERENCE, max_length=16,
        aliases=("unit", "uom", "units", "единица", "единица измерения", "ед изм", "jednostka", "jm",
                 "jednostka miary", "enota", "enota mere", "em", "单位", "计量单位"),
    ),
    ImportField(
        "sales_price", gettext_lazy("Sales price"), kind=DECIMAL,
        aliases=("price", "list price", "retail price", "цена", "цена продажи", "cena", "cena sprzedaży",
                 "prodajna cena", "售价", "价格", "销售价格"),
    ),
    ImportField(
        "cost", gettext_lazy("Cost"), kind=DECIMAL,
        aliases=("cost price", "purchase price", "себестоимость", "закупочная цена", "koszt", "cena zakupu",
                 "nabavna cena", "strošek", "成本", "进价", "采购价"),
    ),
    ImportField(
        "weight", gettext_lazy("Weight (kg)"), kind=DECIMAL,
        aliases=("weight", "weight kg", "kg", "вес", "вес кг", "масса", "waga", "waga kg", "masa", "teža",
                 "teža kg", "重量", "重量kg", "毛重"),
    ),
    ImportField(
        "volume", gettext_lazy("Volume (m³)"), kind=DECIMAL,
        aliases=("volume", "volume m3", "m3", "объём", "объем", "объём м3", "objętość", "prostornina",
                 "volumen", "体积", "体积m3"),
    ),
    ImportField(
        "description", gettext_lazy("Description"), multiline=True,
        aliases=("описание", "opis", "描述", "说明"),
    ),
    ImportField(
        "active", gettext_lazy("Active"), kind=BOOL,
        aliases=("enabled", "активен", "активный", "aktywny", "aktiven", "启用", "有效"),
    ),
)  # fmt: skip


def _amount(value: Any, field: str, errors: dict[str, list[Reason]]) -> Decimal | None:
    if not isinstance(value, Decimal) or value < 0:
        errors[field] = [Message(gettext_noop("Enter an amount of zero or more."))]
        return None
    if value != value.quantize(PLACES):
        errors[field] = [Message(gettext_noop("Use at most four decimal places."))]
        return None
    return value


def _measure(value: Any, field: str, errors: dict[str, list[Reason]]) -> Decimal | None:
    if not isinstance(value, Decimal) or value < 0:
        errors[field] = [Message(gettext_noop("Enter a number of zero or more."))]
        return None
    if value != value.quantize(PLACES) or value >= MEASURE_LIMIT:
        errors[field] = [
            Message(gettext_noop("Use at most four decimal places and ten digits before the point."))
        ]
        return None
    return value


def category_path(text: str) -> str:
    return " / ".join(part for part in _PATH_SPLIT.split(text.strip()) if part)


# --- products ------------------------------------------------------------------------------


def _prepare_products(ctx: ImportContext) -> None:
    products = Product.objects.filter(company=ctx.company)
    ctx.cache["skus"] = dict(products.values_list("sku", "pk"))
    ctx.cache["barcodes"] = dict(products.exclude(barcode="").values_list("barcode", "pk"))
    ctx.cache["categories"] = dict(Category.objects.filter(company=ctx.company).values_list("path", "pk"))
    ctx.cache["uoms"] = {code.casefold(): pk for code, pk in Uom.objects.values_list("code", "pk")}
    ctx.cache["seen"] = {}
    ctx.cache["may_add_category"] = ctx.actor is not None and ctx.actor.has_perm("catalog.add_category")


def _validate_product(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    data: Cleaned = {
        name: row[name] for name in ("sku", "name", "kind", "description", "active") if name in row
    }
    if row.get("barcode"):
        try:
            data["barcode"] = normalize_barcode(str(row["barcode"]))
        except InvalidIdentifier as exc:
            errors["barcode"] = [exc.stored]
    for name in ("sales_price", "cost"):
        if name in row:
            amount = _amount(row[name], name, errors)
            if amount is not None:
                data[name] = amount
    for name in ("weight", "volume"):
        if name in row:
            measure = _measure(row[name], name, errors)
            if measure is not None:
                data[name] = measure
    uom_code = str(row.get("uom") or DEFAULT_UOM)
    uom = ctx.cache["uoms"].get(uom_code.casefold())
    if uom is None:
        errors["uom"] = [Message(gettext_noop("There is no unit of measure “%(code)s”."), {"code": uom_code})]
    else:  # an empty cell keeps a product's unit; a new product gets the default
        data["uom_id" if "uom" in row else "default_uom_id"] = uom
    if row.get("category"):
        path = category_path(str(row["category"]))
        if path not in ctx.cache["categories"] and not ctx.cache["may_add_category"]:
            errors["category"] = [
                Message(gettext_noop("The category “%(path)s” does not exist."), {"path": path})
            ]
        data["category"] = path
    if errors:
        raise RowInvalid(errors)
    return data


def _find_products(ctx: ImportContext, match_key: str, keys: list[str]) -> dict[str, int]:
    known = ctx.cache["skus" if match_key == "sku" else "barcodes"]
    return {key: known[key] for key in keys if key in known}


def _check_product(
    ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None
) -> dict[str, list[Reason]]:
    errors: dict[str, list[Reason]] = {}
    seen: dict[tuple[str, str], int] = ctx.cache["seen"]
    for name, known, message in (
        ("sku", ctx.cache["skus"], _("Another product already has this SKU.")),
        ("barcode", ctx.cache["barcodes"], _("Another product already has this barcode.")),
    ):
        value = cleaned.get(name)
        if not value:
            continue
        owner = known.get(value)
        if owner is not None and owner != existing:
            errors[name] = [message]
        elif seen.get((name, value), line) != line:
            errors[name] = [
                Message(gettext_noop("Row %(line)s has the same value."), {"line": seen[(name, value)]})
            ]
    if not errors:
        for name in ("sku", "barcode"):
            if cleaned.get(name):
                seen[(name, cleaned[name])] = line
    return errors


PRODUCTS = ImportSpec(
    key="catalog.product",
    label=gettext_lazy("Products"),
    model="catalog.Product",
    permissions=("catalog.add_product", "catalog.change_product"),
    fields=PRODUCT_FIELDS,
    match_keys=(
        MatchKey("sku", gettext_lazy("SKU"), ("sku",)),
        MatchKey("barcode", gettext_lazy("Barcode"), ("barcode",)),
    ),
    prepare=_prepare_products,
    validate_row=_validate_product,
    find_existing=_find_products,
    check_row=_check_product,
    write_batch=services.import_products,
    list_url="catalog:list",
    description=gettext_lazy("Products and services with their category, unit and prices."),
)


# --- price lists ---------------------------------------------------------------------------

PRICE_FIELDS = (
    ImportField(
        "price_list", gettext_lazy("Price list"), kind=REFERENCE, required=True, max_length=100,
        aliases=("pricelist", "price list name", "прайс-лист", "прайс лист", "прайс", "cennik",
        "nazwa cennika",
                 "cenik", "价目表", "价格表"),
    ),
    ImportField(
        "currency", gettext_lazy("Currency"), kind=REFERENCE, max_length=3,
        aliases=("валюта", "waluta", "valuta", "货币", "币种"),
    ),
    PRODUCT_FIELDS[0],
    ImportField(
        "min_quantity", gettext_lazy("From quantity"), kind=DECIMAL,
        aliases=("min quantity", "minimum quantity", "quantity", "qty", "от количества", "количество",
                 "od ilości", "ilość", "od količine", "količina", "起订量", "数量"),
    ),
    ImportField(
        "price", gettext_lazy("Unit price"), kind=DECIMAL, required=True,
        aliases=("price", "цена", "cena", "cena jednostkowa", "cena na enoto", "单价", "价格"),
    ),
    ImportField(
        "valid_from", gettext_lazy("Valid from"), kind=DATE,
        aliases=("from", "start", "start date", "действует с", "с", "ważny od", "od", "velja od", "生效日期",
        "开始日期"),
    ),
    ImportField(
        "valid_to", gettext_lazy("Valid to"), kind=DATE,
        aliases=("to", "until", "end", "end date", "действует по", "по", "ważny do", "do", "velja do",
        "失效日期",
                 "结束日期"),
    ),
)  # fmt: skip


def _quantity_key(value: Decimal) -> str:
    return plain(value) if value else "0"


def _price_key(match_key: str, cleaned: Cleaned) -> str:
    start = cleaned.get("valid_from")
    return "\x1f".join(
        [
            cleaned["price_list"],
            cleaned["sku"],
            _quantity_key(cleaned["min_quantity"]),
            start.isoformat() if start else "",
        ]
    )


def _prepare_prices(ctx: ImportContext) -> None:
    lists = PriceList.objects.filter(company=ctx.company)
    ctx.cache["lists"] = {
        name: (pk, currency) for name, pk, currency in lists.values_list("name", "pk", "currency")
    }
    ctx.cache["products"] = dict(Product.objects.filter(company=ctx.company).values_list("sku", "pk"))
    ctx.cache["currencies"] = set(Currency.objects.values_list("code", flat=True))
    items = PriceListItem.objects.filter(price_list__company=ctx.company).values_list(
        "pk", "price_list__name", "product__sku", "min_quantity", "valid_from"
    )
    ctx.cache["items"] = {
        _price_key("", {"price_list": n, "sku": s, "min_quantity": q, "valid_from": v}): pk
        for pk, n, s, q, v in items
    }


def _validate_price(ctx: ImportContext, row: dict[str, Any]) -> Cleaned:
    errors: dict[str, list[Reason]] = {}
    name = str(row["price_list"])
    currency = str(row.get("currency", "")).upper()
    known = ctx.cache["lists"].get(name)
    if currency and currency not in ctx.cache["currencies"]:
        errors["currency"] = [Message(gettext_noop("There is no currency “%(code)s”."), {"code": currency})]
    elif known is not None and currency and known[1] != currency:
        errors["currency"] = [
            Message(
                gettext_noop("The price list “%(name)s” is in %(currency)s."),
                {"name": name, "currency": known[1]},
            )
        ]
    sku = str(row["sku"])
    product = ctx.cache["products"].get(sku)
    if product is None:
        errors["sku"] = [Message(gettext_noop("There is no product with the SKU “%(sku)s”."), {"sku": sku})]
    price = _amount(row["price"], "price", errors)
    quantity = _amount(row.get("min_quantity", Decimal(0)), "min_quantity", errors)
    start, end = row.get("valid_from"), row.get("valid_to")
    if start and end and start > end:
        errors["valid_to"] = [Message(gettext_noop("The end date is before the start date."))]
    if errors:
        raise RowInvalid(errors)
    if known is None:  # later rows naming this new list must agree on its currency
        ctx.cache["lists"][name] = (None, currency or ctx.company.currency_id)
    return {
        "price_list": name, "currency": currency or (known[1] if known else ctx.company.currency_id),
        "sku": sku, "product_id": product, "price": price, "min_quantity": quantity,
        "valid_from": start, "valid_to": end,
    }  # fmt: skip


def _find_prices(ctx: ImportContext, match_key: str, keys: list[str]) -> dict[str, int]:
    return {key: ctx.cache["items"][key] for key in keys if key in ctx.cache["items"]}


PRICES = ImportSpec(
    key="catalog.pricelistitem",
    label=gettext_lazy("Price-list prices"),
    model="catalog.PriceListItem",
    permissions=("catalog.add_pricelist", "catalog.add_pricelistitem", "catalog.change_pricelistitem"),
    fields=PRICE_FIELDS,
    match_keys=(
        MatchKey(
            "item",
            gettext_lazy("Price list, SKU, quantity and start date"),
            ("price_list", "sku", "min_quantity", "valid_from"),
        ),
    ),
    prepare=_prepare_prices,
    validate_row=_validate_price,
    find_existing=_find_prices,
    write_batch=services.import_prices,
    make_key=_price_key,
    description=gettext_lazy("Prices of products in price lists, with quantity breaks and validity dates."),
)

SPECS = [PRODUCTS, PRICES]
