"""The value of stock: at any date, in one SQL query over the valuation layers.

``stock_value(company, at, by=…)`` sums the layers dated up to ``at`` per product (or per
category, or in total); per warehouse it spreads each product's value over where its goods
were that day (the quantity ledger), at the product's average value — valuation is per
company, the quantity per location. :func:`valuation_differences` is the invariant: what the
layers hold equals the balance of the stock accounts, per company.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from tandem.accounting.models import JournalLine
from tandem.inventory.models import STOCKED_KINDS, ValuationLayer, ValuationSettings

ZERO = Decimal(0)
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
        FROM inventory_valuationlayer l
        JOIN catalog_product p ON p.id = l.product_id
        {join}
        WHERE l.company_id = %s AND l.date <= %s
        GROUP BY {key}
        HAVING SUM(l.quantity) <> 0 OR SUM(l.value) <> 0
        ORDER BY MIN({name}), {key}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id, at])
        return [ValueRow(r[0], r[1] or "", r[2] or "", _dec(r[3]), _dec(r[4])) for r in cursor.fetchall()]


def _by_warehouse(company_id: int, at: datetime.date) -> list[ValueRow]:
    stocked = tuple(str(kind) for kind in STOCKED_KINDS)
    marks = ", ".join(["%s"] * len(stocked))
    sql = f"""
        WITH worth AS (
            SELECT product_id, SUM(quantity) AS q, SUM(value) AS v
            FROM inventory_valuationlayer
            WHERE company_id = %s AND date <= %s
            GROUP BY product_id
        ), held AS (
            SELECT loc.warehouse_id AS warehouse_id, m.product_id AS product_id, SUM(m.q) AS q
            FROM (
                SELECT dest_location_id AS location_id, product_id, quantity AS q
                FROM inventory_moveline WHERE company_id = %s AND done_at < %s
                UNION ALL
                SELECT source_location_id, product_id, -quantity
                FROM inventory_moveline WHERE company_id = %s AND done_at < %s
            ) m
            JOIN inventory_location loc ON loc.id = m.location_id AND loc.kind IN ({marks})
            GROUP BY loc.warehouse_id, m.product_id
        )
        SELECT w.id, MIN(w.code), MIN(w.name), SUM(h.q),
               SUM(CASE WHEN worth.q > 0 THEN worth.v * h.q / worth.q ELSE 0 END)
        FROM held h
        JOIN worth ON worth.product_id = h.product_id
        LEFT JOIN inventory_warehouse w ON w.id = h.warehouse_id
        GROUP BY w.id
        HAVING SUM(h.q) <> 0
        ORDER BY MIN(w.code), w.id
    """
    end = _end_of(at)
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id, at, company_id, end, company_id, end, *stocked])
        return [
            ValueRow(r[0], r[1] or "", r[2] or "", _dec(r[3]), _dec(r[4]).quantize(Decimal("0.01")))
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
