"""The delivery promise: the earliest date each line of a quotation or order can ship, and the
whole order (the latest of its lines: it ships complete).

From inventory's projected stock of the warehouse (``inventory.queries.availability``: on hand
plus the incoming receipts less the outgoing deliveries — every reservation is an outgoing
move — day by day), a quantity can ship on the first day from which the projected stock never
falls below it again (taking it earlier would take goods promised to a later delivery). When no
day of the projection holds it, the goods must be bought: the promise is today plus the lead
time of the supplier purchasing would buy from soonest (``purchasing.queries.best_supplier``);
with no supplier price there is no promise. Services and consumables ship at once. A product
that is made (it has a bill of materials) is promised by planning's capable-to-promise instead
(``planning.queries.capable_to_promise``: stock, open supply and new production within its
components, lead times and the work centres' capacity), with its reasoning.

Lines of one product count together in line order (the second line of chairs needs the first
one's chairs too). A confirmed order's own delivery is taken out of the projection again and
what is already reserved for it ships at once; its remaining quantities are promised anew —
later than the stored ``promised_date`` means the order is late (``late``: derived, never
stored).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.models import Company, Uom
from tandem.inventory import queries as stock
from tandem.inventory.models import Move, Reservation, Warehouse
from tandem.planning import queries as planning
from tandem.planning.promise import Source as Planned
from tandem.purchasing.queries import best_supplier
from tandem.sales.models import SalesOrder
from tandem.sales.queries import CONFIRMED_STATES, LineStatus, line_statuses, open_deliveries

ZERO = Decimal(0)


class Source:
    """Where a line's goods come from by its promised date."""

    STOCK = "stock"  # on the shelf (and not promised to a later delivery)
    INCOMING = "incoming"  # an expected receipt brings enough
    PURCHASE = "purchase"  # to be bought: today plus the supplier's lead time
    PRODUCTION = "production"  # to be made: capable-to-promise's date
    NONE = "none"  # not enough in sight and no supplier price: no promise
    NOT_STOCKED = "not_stocked"  # a service or a consumable: at once
    DELIVERED = "delivered"  # a confirmed order's line already delivered


@dataclass(frozen=True)
class Need:
    """One line to promise: ``key`` names it to the caller (a line's id, a form row's index);
    ``quantity`` is in the product's unit."""

    key: int
    product: Product
    quantity: Decimal


@dataclass(frozen=True)
class LinePromise:
    key: int
    product: Product
    quantity: Decimal
    date: datetime.date | None
    source: str
    lead_time_days: int | None = None
    reason: str = ""  # capable-to-promise's reasoning, for a made product


@dataclass(frozen=True)
class Promise:
    """Each line's promise and the order's: the latest line date (None when a line has none or
    there is nothing to ship)."""

    lines: list[LinePromise] = field(default_factory=list)

    @property
    def date(self) -> datetime.date | None:
        dates = [line.date for line in self.lines if line.source != Source.DELIVERED]
        if not dates or any(day is None for day in dates):
            return None
        return max(day for day in dates if day is not None)


def earliest(
    start: Decimal, points: Sequence[tuple[datetime.date, Decimal]], quantity: Decimal, today: datetime.date
) -> datetime.date | None:
    """Pure: the first day from which the projected stock stays at ``quantity`` or above.

    ``start`` is the stock today before the expected moves; ``points`` the projected stock after
    each day's expected moves, sorted by day, none before ``today``. None: no such day."""
    days = [(today, start), *points]
    found = None
    lowest: Decimal | None = None
    for day, level in reversed(days):
        lowest = level if lowest is None else min(lowest, level)
        if lowest >= quantity:
            found = day
        else:
            break
    return found


def _supplier_lead(company: Company, product: Product, quantity: Decimal, today: datetime.date) -> int | None:
    price = best_supplier(company, product, max(quantity, Decimal(1)), on=today, needed_by=today)
    return price.lead_time_days if price is not None else None


def promise_for(
    company: Company,
    warehouse: Warehouse | None,
    needs: Iterable[Need],
    *,
    today: datetime.date | None = None,
    own_moves: dict[int, list[tuple[datetime.date, Decimal]]] | None = None,
    own_reserved: dict[int, Decimal] | None = None,
) -> Promise:
    """The promise of ``needs`` shipped from ``warehouse`` (None: the company has none, so goods
    cannot be promised). ``own_moves`` (``{product id: [(expected
    date, quantity)]}``) are outgoing moves of the order itself, added back to the projection;
    ``own_reserved`` (``{product id: quantity}``) is already set aside for it."""
    today = today or timezone.localdate()
    own_moves = own_moves or {}
    own_reserved = own_reserved or {}
    projections: dict[int, tuple[Decimal, list[tuple[datetime.date, Decimal]]]] = {}
    wanted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    found = []
    needs = list(needs)
    goods = {need.product.pk for need in needs if need.product.kind == Product.Kind.GOODS}
    made = planning.made_products(company, goods, today) if goods and warehouse is not None else set()
    for need in needs:
        product = need.product
        if product.kind != Product.Kind.GOODS:
            found.append(LinePromise(need.key, product, need.quantity, today, Source.NOT_STOCKED))
            continue
        if warehouse is None:
            found.append(LinePromise(need.key, product, need.quantity, None, Source.NONE))
            continue
        wanted[product.pk] += need.quantity
        total = wanted[product.pk]
        if total <= own_reserved.get(product.pk, ZERO):
            found.append(LinePromise(need.key, product, need.quantity, today, Source.STOCK))
            continue
        if product.pk in made:
            found.append(_capable(need, total, warehouse, today, own_moves.get(product.pk, [])))
            continue
        if not projections:  # every product still to project, in three queries
            projected = [n.product for n in needs if n.product.pk in goods and n.product.pk not in made]
            found_stock = stock.availabilities(projected, warehouse)
            projections.update(
                (pk, _projection(seen, today, own_moves.get(pk, []))) for pk, seen in found_stock.items()
            )
        start, points = projections[product.pk]
        day = earliest(start, points, total, today)
        if day is not None:
            source = Source.STOCK if day == today else Source.INCOMING
            found.append(LinePromise(need.key, product, need.quantity, day, source))
            continue
        lowest = min([start, *(level for _day, level in points)])
        lead = _supplier_lead(company, product, total - max(lowest, ZERO), today)
        if lead is None:
            found.append(LinePromise(need.key, product, need.quantity, None, Source.NONE))
        else:
            day = today + datetime.timedelta(days=lead)
            found.append(LinePromise(need.key, product, need.quantity, day, Source.PURCHASE, lead))
    return Promise(found)


_PLANNED = {
    Planned.STOCK: Source.STOCK,
    Planned.SUPPLY: Source.INCOMING,
    Planned.PRODUCTION: Source.PRODUCTION,
    Planned.PURCHASE: Source.PURCHASE,
    Planned.NONE: Source.NONE,
}


def _capable(
    need: Need,
    total: Decimal,
    warehouse: Warehouse,
    today: datetime.date,
    own: list[tuple[datetime.date, Decimal]],
) -> LinePromise:
    """A made product's line: capable-to-promise of all the lines of the product so far."""
    found = planning.capable_to_promise(
        need.product, total, warehouse=warehouse, today=today, returned={need.product.pk: own}
    )
    top = found.steps[0]
    return LinePromise(
        need.key, need.product, need.quantity, found.date, _PLANNED[top.source], top.lead_days, found.reason
    )


def _projection(
    found: stock.Availability, today: datetime.date, own: list[tuple[datetime.date, Decimal]]
) -> tuple[Decimal, list[tuple[datetime.date, Decimal]]]:
    """(stock today, [(day, projected stock after it)]) with the order's own moves added back."""
    back = [(max(day, today), quantity) for day, quantity in own]

    def returned(by: datetime.date) -> Decimal:
        return sum((quantity for day, quantity in back if day <= by), ZERO)

    points = [(point.date, point.projected + returned(point.date)) for point in found.timeline]
    return found.on_hand, points


def shipping_warehouse(company: Company) -> Warehouse | None:
    """Where an order without a warehouse ships from: the company's first (as confirming does)."""
    return Warehouse.objects.filter(company=company, active=True).order_by("id").first()


def in_product_unit(quantity: Decimal, unit: Uom, product: Product) -> Decimal:
    """``quantity`` of ``unit`` in the product's own unit (unrounded)."""
    return quantity if unit.pk == product.uom_id else quantity * unit.factor / product.uom.factor


def _own(
    transfer_ids: list[int], warehouse: Warehouse
) -> tuple[dict[int, list[tuple[datetime.date, Decimal]]], dict[int, Decimal]]:
    """The order's open outgoing moves per product and what is reserved for it."""
    moves: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    reserved: dict[int, Decimal] = {}
    if not transfer_ids:
        return moves, reserved
    inside = stock.warehouse_location_ids(warehouse)
    rows = (
        Move.objects.filter(transfer_id__in=transfer_ids, source_location_id__in=inside)
        .exclude(dest_location_id__in=inside)
        .values_list("product_id", "expected_date", "quantity")
    )
    for product_id, day, quantity in rows:
        moves[product_id].append((day, quantity))
    reserved = dict(
        Reservation.objects.filter(move__transfer_id__in=transfer_ids)
        .values("move__product_id")
        .annotate(q=Sum("quantity"))
        .values_list("move__product_id", "q")
    )
    return moves, reserved


def order_promise(
    order: SalesOrder, *, today: datetime.date | None = None, statuses: Sequence[LineStatus] | None = None
) -> Promise:
    """The promise of a quotation's lines or, once confirmed, of what is left to deliver
    (``statuses``: the order's ``line_statuses`` when the caller has them already)."""
    today = today or timezone.localdate()
    warehouse = order.warehouse or shipping_warehouse(order.company)
    lines = [
        line
        for line in order.lines.select_related("product__uom", "uom").order_by("sequence", "id")
        if not line.optional
    ]
    remaining = {line.pk: line.quantity for line in lines}
    own_moves: dict[int, list[tuple[datetime.date, Decimal]]] = {}
    own_reserved: dict[int, Decimal] = {}
    if order.state in CONFIRMED_STATES:
        if statuses is None:
            statuses = line_statuses(order)
        remaining = {status.line.pk: status.to_deliver for status in statuses}
        open_ids = list(open_deliveries(order).values_list("pk", flat=True))
        if warehouse is not None:
            own_moves, own_reserved = _own(open_ids, warehouse)
    needs = []
    delivered = []
    for line in lines:
        left = remaining.get(line.pk, ZERO)
        if left <= 0:
            delivered.append(LinePromise(line.pk, line.product, ZERO, None, Source.DELIVERED))
            continue
        needs.append(Need(line.pk, line.product, in_product_unit(left, line.uom, line.product)))
    found = promise_for(
        order.company, warehouse, needs, today=today, own_moves=own_moves, own_reserved=own_reserved
    )
    order_of = {line.pk: n for n, line in enumerate(lines)}
    return Promise(sorted([*found.lines, *delivered], key=lambda line: order_of[line.key]))


def late(order: SalesOrder, promise: Promise | None = None, *, today: datetime.date | None = None) -> bool:
    """A confirmed order not fully delivered whose promised date has passed, or whose remaining
    goods can now ship only after it (a receipt delayed, stock taken). Derived on each read."""
    if order.state != SalesOrder.State.CONFIRMED or order.promised_date is None:
        return False
    today = today or timezone.localdate()
    found = promise if promise is not None else order_promise(order, today=today)
    remaining = [line for line in found.lines if line.source != Source.DELIVERED]
    if not remaining:
        return False
    if today > order.promised_date:
        return True
    return found.date is not None and found.date > order.promised_date
