"""The value of stock: at any date, in one SQL query over the valuation layers.

``stock_value(company, at, by=…)`` sums the layers dated up to ``at`` per product (or per
category, or in total) — the monthly sums (``ValuationMonth``) of the months before ``at`` and
the layers of its own month, so a date reads about one month of the ledger whatever its
length; per warehouse it spreads each product's value over where its goods were that day (the
quantity ledger), at the product's average value — valuation is per company, the quantity per
location. :func:`valuation_differences` is the invariant: what the
layers hold equals the balance of the stock accounts, per company.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db import connection
from django.db.models import OuterRef, Subquery, Sum

from tandem.accounting.models import JournalLine
from tandem.catalog.models import Product
from tandem.core.money import round_money
from tandem.inventory.models import (
    STOCKED_KINDS,
    VALUATION_UNITS,
    Count,
    CountLine,
    MoveLine,
    StockMonth,
    ValuationLayer,
    ValuationMonth,
    ValuationSettings,
)

ZERO = Decimal(0)
COST_PLACES = Decimal("0.00000001")
GROUPINGS = ("product", "category", "warehouse")


@dataclass(frozen=True)
class ValueRow:
    key: int | None  # product, category or warehouse id (None: no category)
    code: str
    name: str
    quantity: Decimal
    value: Decimal


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _end_of(at: datetime.date) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(at + datetime.timedelta(days=1), datetime.time()))


# The layers dated up to a day, as the monthly sums of the months before it and the layers of
# its own month, in whole 1/10,000 (so SQLite adds them exactly, as integers).
_LAYERS_UP_TO = f"""
    SELECT product_id, quantity, value FROM inventory_valuationmonth WHERE company_id = %s AND month < %s
    UNION ALL
    SELECT product_id, CAST(round(quantity * {VALUATION_UNITS}) AS BIGINT),
           CAST(round(value * {VALUATION_UNITS}) AS BIGINT)
    FROM inventory_valuationlayer WHERE company_id = %s AND date >= %s AND date <= %s
"""


def _layers_up_to(company_id: int, at: datetime.date) -> list[int | datetime.date]:
    first = at.replace(day=1)
    return [company_id, first, company_id, first, at]


def _from_units(summed: object) -> Decimal:
    return Decimal(str(summed or 0)) / VALUATION_UNITS


def stock_value(company_id: int, at: datetime.date, by: str = "product") -> list[ValueRow]:
    """Stock on hand and its value at the end of ``at``, per ``by`` (``product``, ``category``
    or ``warehouse``), in one query. Rows with neither quantity nor value are left out."""
    if by not in GROUPINGS:
        raise ValueError(by)
    if by == "warehouse":
        return _by_warehouse(company_id, at)
    key, code, name, join = {
        "product": ("p.id", "p.sku", "p.name", ""),
        "category": (
            "c.id",
            "''",
            "COALESCE(c.name, '')",
            "LEFT JOIN catalog_category c ON c.id = p.category_id",
        ),
    }[by]
    sql = f"""
        SELECT {key}, MIN({code}), MIN({name}), SUM(l.quantity), SUM(l.value)
        FROM ({_LAYERS_UP_TO}) l
        JOIN catalog_product p ON p.id = l.product_id
        {join}
        GROUP BY {key}
        HAVING SUM(l.quantity) <> 0 OR SUM(l.value) <> 0
        ORDER BY MIN({name}), {key}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, _layers_up_to(company_id, at))
        return [
            ValueRow(r[0], r[1] or "", r[2] or "", _from_units(r[3]), _from_units(r[4]))
            for r in cursor.fetchall()
        ]


def _by_warehouse(company_id: int, at: datetime.date) -> list[ValueRow]:
    stocked = tuple(str(kind) for kind in STOCKED_KINDS)
    marks = ", ".join(["%s"] * len(stocked))
    units = VALUATION_UNITS
    sql = f"""
        WITH worth AS (
            SELECT product_id, SUM(quantity) AS q, SUM(value) AS v
            FROM ({_LAYERS_UP_TO}) l
            GROUP BY product_id
        ), held AS (
            SELECT loc.warehouse_id AS warehouse_id, m.product_id AS product_id, SUM(m.q) AS q
            FROM (
                SELECT location_id, product_id, quantity AS q
                FROM inventory_stockmonth WHERE company_id = %s AND month < %s
                UNION ALL
                SELECT dest_location_id, product_id, CAST(round(quantity * {units}) AS BIGINT)
                FROM inventory_moveline WHERE company_id = %s AND done_at >= %s AND done_at < %s
                UNION ALL
                SELECT source_location_id, product_id, -CAST(round(quantity * {units}) AS BIGINT)
                FROM inventory_moveline WHERE company_id = %s AND done_at >= %s AND done_at < %s
            ) m
            JOIN inventory_location loc ON loc.id = m.location_id AND loc.kind IN ({marks})
            GROUP BY loc.warehouse_id, m.product_id
        )
        SELECT w.id, MIN(w.code), MIN(w.name), SUM(h.q),
               SUM(CASE WHEN worth.q > 0 THEN 1.0 * worth.v * h.q / worth.q ELSE 0 END)
        FROM held h
        JOIN worth ON worth.product_id = h.product_id
        LEFT JOIN inventory_warehouse w ON w.id = h.warehouse_id
        GROUP BY w.id
        HAVING SUM(h.q) <> 0
        ORDER BY MIN(w.code), w.id
    """
    # The stock months are UTC months of done_at: the lines after them start at UTC midnight.
    adapt = connection.ops.adapt_datetimefield_value  # SQLite compares the stored UTC text
    first = datetime.datetime(at.year, at.month, 1, tzinfo=datetime.UTC)
    end = adapt(_end_of(at))
    params = [*_layers_up_to(company_id, at), company_id, first.date(), company_id, adapt(first), end]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, company_id, adapt(first), end, *stocked])
        return [
            ValueRow(
                r[0],
                r[1] or "",
                r[2] or "",
                _from_units(r[3]),
                (_dec(r[4]) / VALUATION_UNITS).quantize(Decimal("0.01")),
            )
            for r in cursor.fetchall()
        ]


def total_value(company_id: int, at: datetime.date | None = None) -> Decimal:
    rows = ValuationLayer.objects.filter(company_id=company_id)
    if at is not None:
        rows = rows.filter(date__lte=at)
    return rows.aggregate(v=Sum("value"))["v"] or ZERO


def stock_account_balance(
    company_id: int, account_ids: list[int], at: datetime.date | None = None
) -> Decimal:
    rows = JournalLine.objects.filter(company_id=company_id, account_id__in=account_ids, posted=True)
    if at is not None:
        rows = rows.filter(date__lte=at)
    found = rows.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (found["d"] or ZERO) - (found["c"] or ZERO)


def valuation_differences() -> list[tuple[int, Decimal, Decimal]]:
    """Companies whose stock value (layers) differs from their stock accounts' balance:
    ``(company id, value, balance)``."""
    from tandem.inventory.models import CategoryValuation

    found = []
    for settings in ValuationSettings.objects.order_by("company_id"):
        ids = {settings.stock_account_id}
        ids |= set(
            CategoryValuation.objects.filter(company_id=settings.company_id)
            .exclude(stock_account=None)
            .values_list("stock_account_id", flat=True)
        )
        accounts = [pk for pk in ids if pk is not None]
        value = total_value(settings.company_id)
        balance = stock_account_balance(settings.company_id, accounts)
        if value != balance:
            found.append((settings.company_id, value, balance))
    return found


Sums = tuple[Decimal, Decimal]  # quantity, value


def month_differences() -> list[tuple[int, datetime.date, Sums, Sums]]:
    """Monthly sums that differ from their layers: ``(product, month, (quantity, value) kept,
    (quantity, value) of the layers)``."""
    layers: dict[tuple[int, datetime.date], Sums] = {}
    for layer in ValuationLayer.objects.only("product_id", "date", "quantity", "value"):  # SQLite sums floats
        key = (layer.product_id, layer.date.replace(day=1))
        quantity, value = layers.get(key, (ZERO, ZERO))
        layers[key] = (quantity + layer.quantity, value + layer.value)
    kept = {
        (m.product_id, m.month): (_from_units(m.quantity), _from_units(m.value))
        for m in ValuationMonth.objects.only("product_id", "month", "quantity", "value")
    }
    zero = (ZERO, ZERO)
    return [
        (product, month, kept.get((product, month), zero), layers.get((product, month), zero))
        for product, month in sorted(layers.keys() | kept.keys())
        if kept.get((product, month), zero) != layers.get((product, month), zero)
    ]


def stock_month_differences() -> list[tuple[int, int, datetime.date, Decimal, Decimal]]:
    """Stock months that differ from their move lines: ``(location, product, month, kept, moved)``."""
    moved: dict[tuple[int, int, datetime.date], Decimal] = defaultdict(Decimal)
    for line in MoveLine.objects.only(
        "product_id", "source_location_id", "dest_location_id", "quantity", "done_at"
    ):
        month = line.done_at.astimezone(datetime.UTC).date().replace(day=1)
        moved[(line.dest_location_id, line.product_id, month)] += line.quantity
        moved[(line.source_location_id, line.product_id, month)] -= line.quantity
    kept = {
        (m.location_id, m.product_id, m.month): _from_units(m.quantity)
        for m in StockMonth.objects.only("location_id", "product_id", "month", "quantity")
    }
    return [
        (*key, kept.get(key, ZERO), moved.get(key, ZERO))
        for key in sorted(moved.keys() | kept.keys())
        if kept.get(key, ZERO) != moved.get(key, ZERO)
    ]


# --- current unit cost ----------------------------------------------------------------------


def current_costs(products: Iterable[Product], on: datetime.date | None = None) -> dict[int, Decimal]:
    """What one unit of each product is worth now (or at the end of ``on``), by product id: its
    layers' value ÷ quantity, else its last incoming layer's unit cost, else the product's cost.
    Valuation prices moves that carry no price (count differences, losses) at this; one query,
    two when some product holds nothing."""
    by_id = {product.pk: product for product in products}
    costs: dict[int, Decimal] = {}
    layers = ValuationLayer.objects.filter(product_id__in=list(by_id))
    if on is not None:
        layers = layers.filter(date__lte=on)
    totals = layers.values("product_id").annotate(q=Sum("quantity"), v=Sum("value"))
    for row in totals:
        quantity, value = _dec(row["q"]), _dec(row["v"])  # SQLite sums decimals as floats
        if quantity > 0:
            costs[row["product_id"]] = (value / quantity).quantize(COST_PLACES, ROUND_HALF_UP)
    rest = [pk for pk in by_id if pk not in costs]
    if rest:
        last = layers.filter(product_id=OuterRef("pk"), kind=ValuationLayer.Kind.IN).order_by("-date", "-id")
        found = (
            Product.objects.filter(pk__in=rest)
            .annotate(last=Subquery(last.values("unit_cost")[:1]))
            .values_list("pk", "last")
        )
        for product_id, unit_cost in found:
            if unit_cost is not None:
                costs[product_id] = unit_cost
    for pk in rest:
        costs.setdefault(pk, by_id[pk].cost)
    return costs


def current_cost(product: Product) -> Decimal:
    return current_costs([product])[product.pk]


@dataclass(frozen=True)
class DifferenceValues:
    """The value of a count's differences: per line id (counted lines with a difference) and in
    total; ``posted`` when they are what applying the count posted (its moves' valuation
    layers), else what the differences are worth at the count's date."""

    lines: dict[int, Decimal]
    total: Decimal
    posted: bool = False


def count_difference_values(count: Count, lines: Iterable[CountLine]) -> DifferenceValues:
    """The value of each of ``count``'s lines' difference, one rule for the sheet on screen, in
    print, in the API and in the export. Once the count is applied in a company that values
    its stock: the value its adjustment posted per line (the layers of the line's move, gains
    positive, losses negative). Before: the difference (counted − expected) × the product's
    unit cost at the end of the count's date, rounded as valuation rounds what it posts (the
    company currency's cents) — the count's own date, not the day someone looks at it."""
    return _difference_values([(count, list(lines))])[count.pk]


def counts_difference_values(counts: Iterable[Count]) -> dict[int, DifferenceValues]:
    """:func:`count_difference_values` of many counts at once (an API page, an export batch):
    their lines as prefetched (``lines__product``), else read in one query; then one query for
    the applied ones, one or two per count date of the others."""
    counts = list(counts)
    lines: dict[int, list[CountLine]] = {}
    for count in counts:
        prefetched = getattr(count, "_prefetched_objects_cache", {})
        if "lines" in prefetched:
            lines[count.pk] = list(prefetched["lines"])
    unread = [count.pk for count in counts if count.pk not in lines]
    if unread:
        for line in CountLine.objects.filter(count_id__in=unread).select_related("product").order_by("id"):
            lines.setdefault(line.count_id, []).append(line)
    return _difference_values([(count, lines.get(count.pk, [])) for count in counts])


Sheet = tuple[Count, list[CountLine]]


def _difference_values(sheets: list[Sheet]) -> dict[int, DifferenceValues]:
    found: dict[int, DifferenceValues] = {}
    adjusted = {
        count.company_id
        for count, _lines in sheets
        if count.state == Count.State.APPLIED and count.transfer_id
    }
    valued = (
        set(ValuationSettings.objects.filter(company_id__in=adjusted).values_list("company_id", flat=True))
        if adjusted
        else set()
    )
    posted: list[Sheet] = []
    by_date: dict[datetime.date, list[Sheet]] = defaultdict(list)
    for count, lines in sheets:
        if count.state == Count.State.APPLIED and count.transfer_id is None:  # nothing differed
            found[count.pk] = DifferenceValues({}, round_money(ZERO, count.company.currency), posted=True)
        elif count.state == Count.State.APPLIED and count.company_id in valued:
            posted.append((count, lines))
        else:
            by_date[count.date].append((count, lines))
    if posted:
        found.update(_posted_values(posted))
    for on, group in by_date.items():
        products = {
            line.product_id: line.product for _count, lines in group for line in lines if line.difference
        }
        costs = current_costs(products.values(), on=on) if products else {}
        for count, lines in group:
            currency = count.company.currency
            values = {
                line.pk: round_money(cast(Decimal, line.difference) * costs[line.product_id], currency)
                for line in lines
                if line.difference
            }
            found[count.pk] = DifferenceValues(values, round_money(sum(values.values(), ZERO), currency))
    return found


def _posted_values(sheets: list[Sheet]) -> dict[int, DifferenceValues]:
    """Per line, the value its move into or out of stock posted: the adjustment has one move per
    line, of the line's product and lot, with the line's location on its stock side (the other
    is inventory loss, the adjustment's source)."""
    posted: dict[tuple[int, int, int, int | None], Decimal] = defaultdict(Decimal)
    rows = ValuationLayer.objects.filter(
        move__transfer_id__in=[count.transfer_id for count, _lines in sheets]
    ).values_list(
        "move__transfer_id",
        "move__transfer__source_location_id",
        "move__product_id",
        "move__source_location_id",
        "move__dest_location_id",
        "move__lot_id",
        "value",
    )
    for transfer_id, loss_id, product_id, source_id, dest_id, lot_id, value in rows:
        stock_side = dest_id if source_id == loss_id else source_id
        posted[(transfer_id, product_id, stock_side, lot_id)] += _dec(value)
    found = {}
    for count, lines in sheets:
        currency = count.company.currency
        values = {
            line.pk: round_money(posted[key], currency)
            for line in lines
            if (key := (cast(int, count.transfer_id), line.product_id, line.location_id, line.lot_id))
            in posted
        }
        found[count.pk] = DifferenceValues(
            values, round_money(sum(values.values(), ZERO), currency), posted=True
        )
    return found
