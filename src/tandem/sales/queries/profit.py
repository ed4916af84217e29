"""Profitability and the sales analysis: revenue, discounts, cost of goods sold and margin,
grouped by customer, product, category, salesperson, country or month, over any period.

One SQL statement per question, over two kinds of facts put together (``UNION ALL``) and
summed by the groups asked for; nothing is stored, nothing is looped over in Python:

* revenue — the lines of posted customer invoices, less those of posted credit notes, in the
  company's currency (the line's untaxed amount × the invoice's rate), dated by the invoice's
  accounting date (else its date). The discount is what the line's discount took off its
  untaxed amount (``amount × d / (100 − d)``), so *gross − discount = revenue*. An invoice
  belongs to the order line it bills (``OrderInvoiceLine``: an invoice of several orders), else
  to the order it was made from (``OrderInvoice``); a credit note to its invoice's.
* cost of goods sold — inventory's valuation of the moves to customers, less the moves that
  came back from them (returns), dated by the layer. A move belongs to an order when its
  transfer is in the route of the order's delivery: its backorders, later steps (pick → pack →
  ship) and returns, found by a recursive ``WITH`` over those links. Landed costs booked after
  the goods left go to the books' cost of goods sold without a layer and are not counted here.

margin = revenue − cost (= gross − discounts − cost). A salesperson sees the facts of their
own orders and of the customers they may open, a sales manager also those of their teams'
orders (``SalesOrder.visible_to``); nobody sees another company's.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.catalog.models import Category, Product
from tandem.core import registry
from tandem.core.models import Company
from tandem.core.money import trimmed
from tandem.inventory.models import Location, Move, Transfer, ValuationLayer
from tandem.partners.models import Partner
from tandem.sales.models import VIEW_ALL, OrderInvoice, OrderInvoiceLine, SalesOrder

ZERO = Decimal(0)
CENT = Decimal("0.01")

DIMENSIONS = {
    "customer": _("Customer"),
    "product": _("Product"),
    "category": _("Category"),
    "salesperson": _("Salesperson"),
    "country": _("Country"),
    "month": _("Month"),
}
MEASURES = {
    "revenue": _("Revenue"),
    "discount": _("Discounts"),
    "cost": _("Cost of goods sold"),
    "margin": _("Margin"),
    "margin_percent": _("Margin %"),
    "quantity": _("Quantity"),
    "orders": _("Orders"),
}


@dataclass(frozen=True)
class Figures:
    """The measures of one group (company currency); ``gross`` is before discounts."""

    revenue: Decimal = ZERO
    discount: Decimal = ZERO
    cost: Decimal = ZERO
    quantity: Decimal = ZERO
    orders: int = 0

    @property
    def gross(self) -> Decimal:
        return self.revenue + self.discount

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))

    def measure(self, name: str) -> Decimal | int | None:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Group:
    """One cell of the analysis: its row key and label, its column key and label (None when
    the analysis has no columns), and its figures."""

    row: Any
    row_label: str
    column: Any
    column_label: str
    figures: Figures


@dataclass(frozen=True)
class Scope:
    """What to sum: the company, whose view (None: everything, for the system), the period
    (either end open) and, optionally, one order, customer or product."""

    company: Company
    user: Any = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    order: int | None = None
    partner: int | None = None
    product: int | None = None


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _sql(value: Any) -> tuple[str, list[Any]]:
    """A queryset as SQL text and parameters, for ``IN (…)``."""
    sql, params = value.query.sql_with_params()
    return sql, list(params)


GROUP_SQL = {
    "customer": "f.partner_id",
    "product": "f.product_id",
    "category": "pr.category_id",
    "salesperson": "o.salesperson_id",
    "country": "p.country",
    "month": "f.month",
}


def _facts(scope: Scope) -> tuple[str, list[Any]]:
    """The ``WITH`` clauses: ``route`` (transfer → order) and ``facts`` (one row per invoice
    line or valuation layer: order, customer, product, month, revenue, discount, cost, quantity)."""
    t, m, layer, loc = _table(Transfer), _table(Move), _table(ValuationLayer), _table(Location)
    inv, line, link, so = _table(Invoice), _table(InvoiceLine), _table(OrderInvoice), _table(SalesOrder)
    lines_link = _table(OrderInvoiceLine)
    company = scope.company.pk
    roots, root_params = "", list[Any]()
    if scope.order is not None:
        roots, root_params = " AND id = %s", [scope.order]
    elif scope.partner is not None:
        roots, root_params = " AND partner_id = %s", [scope.partner]
    day = "COALESCE(i.accounting_date, i.invoice_date)"
    revenue_where: list[str] = []
    revenue_params: list[Any] = []
    cost_where: list[str] = []
    cost_params: list[Any] = []
    if scope.start is not None:
        revenue_where.append(f"{day} >= %s")
        revenue_params.append(scope.start)
        cost_where.append("v.date >= %s")
        cost_params.append(scope.start)
    if scope.end is not None:
        revenue_where.append(f"{day} <= %s")
        revenue_params.append(scope.end)
        cost_where.append("v.date <= %s")
        cost_params.append(scope.end)
    if scope.order is not None:
        revenue_where.append("COALESCE(ol.order_id, oi.order_id, oc.order_id) = %s")
        revenue_params.append(scope.order)
        cost_where.append("r.order_id IS NOT NULL")
    if scope.partner is not None:
        revenue_where.append("i.partner_id = %s")
        revenue_params.append(scope.partner)
        cost_where.append("COALESCE(so.partner_id, t.partner_id) = %s")
        cost_params.append(scope.partner)
    if scope.product is not None:
        revenue_where.append("l.product_id = %s")
        revenue_params.append(scope.product)
        cost_where.append("v.product_id = %s")
        cost_params.append(scope.product)
    sign = "CASE WHEN i.kind = 'customer_credit_note' THEN -1 ELSE 1 END"
    discount = (
        "CASE WHEN l.discount >= 100 THEN l.quantity * l.price_unit "
        "ELSE l.amount_untaxed * l.discount / (100.0 - l.discount) END"
    )
    revenue_extra = "".join(f" AND {w}" for w in revenue_where)
    cost_extra = "".join(f" AND {w}" for w in cost_where)
    text = f"""WITH RECURSIVE
edges(parent, child) AS (
  SELECT backorder_of_id, id FROM {t} WHERE company_id = %s AND backorder_of_id IS NOT NULL
  UNION ALL SELECT return_of_id, id FROM {t} WHERE company_id = %s AND return_of_id IS NOT NULL
  UNION ALL SELECT DISTINCT a.transfer_id, b.transfer_id FROM {m} a JOIN {m} b ON b.id = a.next_move_id
    WHERE a.company_id = %s AND b.transfer_id <> a.transfer_id
),
route(order_id, transfer_id) AS (
  SELECT id, delivery_id FROM {so} WHERE company_id = %s AND delivery_id IS NOT NULL{roots}
  UNION SELECT r.order_id, e.child FROM route r JOIN edges e ON e.parent = r.transfer_id
),
facts(order_id, partner_id, product_id, month, revenue, discount, cost, quantity) AS (
  SELECT COALESCE(ol.order_id, oi.order_id, oc.order_id), i.partner_id, l.product_id, {_month(day)},
    {sign} * l.amount_untaxed * i.rate, {sign} * ({discount}) * i.rate, 0, {sign} * l.quantity
  FROM {line} l JOIN {inv} i ON i.id = l.invoice_id
  LEFT JOIN {lines_link} ol ON ol.invoice_line_id = l.id
  LEFT JOIN {link} oi ON oi.invoice_id = i.id AND ol.id IS NULL
  LEFT JOIN {link} oc ON oc.invoice_id = i.credited_invoice_id AND ol.id IS NULL
  WHERE i.company_id = %s AND i.state IN ('posted')
    AND i.kind IN ('customer_invoice', 'customer_credit_note'){revenue_extra}
  UNION ALL
  SELECT r.order_id, COALESCE(so.partner_id, t.partner_id), v.product_id, {_month("v.date")},
    0, 0, -v.value, 0
  FROM {layer} v JOIN {m} mv ON mv.id = v.move_id JOIN {t} t ON t.id = mv.transfer_id
  JOIN {loc} src ON src.id = mv.source_location_id JOIN {loc} dst ON dst.id = mv.dest_location_id
  LEFT JOIN route r ON r.transfer_id = t.id LEFT JOIN {so} so ON so.id = r.order_id
  WHERE v.company_id = %s AND (src.kind = 'customer' OR dst.kind = 'customer'){cost_extra}
)"""
    params = [
        company, company, company, company, *root_params,
        company, *revenue_params, company, *cost_params,
    ]  # fmt: skip
    return text, params


def _visibility(scope: Scope) -> tuple[str, list[Any]]:
    """The record rule of orders (their salesperson, or a customer the user may open), on facts."""
    user = scope.user
    if user is None or user.is_superuser or user.has_perm(VIEW_ALL):
        return "", []
    partners, params = _sql(Partner.objects.visible_to(user).values("pk"))
    team = registry.reach_people(user, scope.company)
    if team is None:
        return f" AND (o.salesperson_id = %s OR f.partner_id IN ({partners}))", [user.pk, *params]
    people, people_params = _sql(get_user_model().objects.filter(team).values("pk"))
    return (
        f" AND (o.salesperson_id = %s OR o.salesperson_id IN ({people}) OR f.partner_id IN ({partners}))",
        [user.pk, *people_params, *params],
    )


def figures(
    scope: Scope, rows: str | None = None, columns: str | None = None
) -> list[tuple[Any, Any, Figures]]:
    """``(row key, column key, figures)`` per group of ``rows`` × ``columns`` (each a key of
    :data:`DIMENSIONS` or None), in one statement; without either, one total."""
    for name in (rows, columns):
        if name is not None and name not in DIMENSIONS:
            raise ValueError(name)
    facts, params = _facts(scope)
    visible, visible_params = _visibility(scope)
    keys = [GROUP_SQL[name] if name else "NULL" for name in (rows, columns)]
    grouped = [key for key in keys if key != "NULL"]
    group_by = f" GROUP BY {', '.join(grouped)}" if grouped else ""
    pr, p, so = _table(Product), _table(Partner), _table(SalesOrder)
    text = f"""{facts}
SELECT {keys[0]}, {keys[1]}, SUM(f.revenue), SUM(f.discount), SUM(f.cost), SUM(f.quantity),
  COUNT(DISTINCT f.order_id)
FROM facts f LEFT JOIN {so} o ON o.id = f.order_id LEFT JOIN {p} p ON p.id = f.partner_id
LEFT JOIN {pr} pr ON pr.id = f.product_id
WHERE 1 = 1{visible}{group_by}"""
    with connection.cursor() as cursor:
        cursor.execute(text, [*params, *visible_params])
        found = cursor.fetchall()
    return [
        (row, column, Figures(_money(revenue), _money(discount), _money(cost), _quantity(quantity), orders))
        for row, column, revenue, discount, cost, quantity, orders in found
        if revenue is not None or cost is not None
    ]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _quantity(value: Any) -> Decimal:
    return trimmed(Decimal(str(value or 0)).quantize(Decimal("0.0001")))


def add_up(parts: Sequence[Figures]) -> Figures:
    """The sum of groups' figures, but for ``orders``, which do not add up across groups (an
    order invoiced in two months is one order): left at 0."""
    return Figures(
        sum((f.revenue for f in parts), ZERO),
        sum((f.discount for f in parts), ZERO),
        sum((f.cost for f in parts), ZERO),
        sum((f.quantity for f in parts), ZERO),
    )


def total(scope: Scope) -> Figures:
    found = figures(scope)
    return found[0][2] if found else Figures()


# --- labels --------------------------------------------------------------------------------------


def labels(dimension: str | None, keys: Sequence[Any]) -> dict[Any, str]:
    """What each key of ``dimension`` is called: one query for the keys' names (none for months
    and countries, which are their own labels)."""
    if dimension is None:
        return {}
    wanted = [key for key in keys if key is not None]
    empty = str(_("(none)"))
    found: dict[Any, str] = {None: empty, "": empty}
    if dimension == "customer":
        found.update(Partner.objects.filter(pk__in=wanted).values_list("pk", "name"))
    elif dimension == "product":
        found.update(Product.objects.filter(pk__in=wanted).values_list("pk", "name"))
    elif dimension == "category":
        found.update(Category.objects.filter(pk__in=wanted).values_list("pk", "path"))
    elif dimension == "salesperson":
        users = get_user_model().objects.filter(pk__in=wanted)
        found.update((user.pk, str(user)) for user in users)
    else:
        found.update((key, str(key)) for key in wanted)
    return found


def analysis(scope: Scope, rows: str, columns: str | None = None) -> list[Group]:
    """The groups of ``rows`` (× ``columns``) with their labels; rows by revenue, highest first
    (months in their order)."""
    found = figures(scope, rows, columns)
    row_names = labels(rows, [row for row, _c, _f in found])
    column_names = labels(columns, [column for _r, column, _f in found])
    groups = [
        Group(row, row_names.get(row, str(row)), column, column_names.get(column, ""), figures)
        for row, column, figures in found
    ]
    return sorted(groups, key=lambda g: _order(rows, g.row, g.row_label, g.figures))


def _order(dimension: str, key: Any, label: str, figures: Figures) -> tuple[Any, ...]:
    if dimension == "month":
        return (key or "",)
    return (-figures.revenue, label, str(key))
