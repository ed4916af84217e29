"""Reads for manufacturing: which BOM makes a product on a day, the explosion of a BOM into what
it needs level by level, the standard cost rolled up from components and operations, the time
and labour cost of work orders, the lots consumed and produced, and work-centre calendars.

Everything about a company's BOMs is read once per call (:class:`BomBook`), never one query
per component, so a four-level product explodes in a handful of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import holidays
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.models import Uom
from tandem.core.money import convert_quantity
from tandem.inventory.models import MoveLine, ValuationLayer
from tandem.inventory.services import valuation
from tandem.manufacturing.models import (
    Bom,
    BomByProduct,
    BomLine,
    ManufacturingOrder,
    Operation,
    Production,
    WorkCentre,
    WorkLog,
    WorkOrder,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
QTY = Decimal("0.0001")
COST = Decimal("0.00000001")
MAX_LEVELS = 30  # a deeper tree is a mistake (the cycle check keeps it finite anyway)


def search(rows: QuerySet[Any], text: str, *fields: str) -> QuerySet[Any]:
    text = text.strip()
    if not text:
        return rows
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": text})
    return rows.filter(condition)


# --- which BOM --------------------------------------------------------------------------------


def valid_on(rows: QuerySet[Bom], on: datetime.date) -> QuerySet[Bom]:
    return rows.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def bom_for(product: Product, on: datetime.date | None = None) -> Bom | None:
    """The BOM that makes ``product`` on ``on``: the highest active revision valid that day."""
    on = on or timezone.localdate()
    rows = valid_on(Bom.objects.filter(company_id=product.company_id, product=product, active=True), on)
    return rows.order_by("-revision", "-id").first()


class BomBook:
    """Every BOM of a company valid on a day, with lines, by-products and routing, read at once."""

    def __init__(self, company_id: int, on: datetime.date) -> None:
        self.on = on
        rows = valid_on(Bom.objects.filter(company_id=company_id, active=True), on).order_by(
            "product_id", "-revision", "-id"
        )
        rows = rows.select_related("product__uom", "routing").prefetch_related(
            Prefetch(
                "lines", BomLine.objects.select_related("product__uom", "uom").order_by("sequence", "id")
            ),
            Prefetch("byproducts", BomByProduct.objects.select_related("product__uom", "uom")),
            Prefetch(
                "routing__operations",
                Operation.objects.select_related("work_centre").order_by("sequence", "id"),
            ),
        )
        self.by_product: dict[int, Bom] = {}
        for bom in rows:
            self.by_product.setdefault(bom.product_id, bom)  # the highest revision first

    def of(self, product_id: int) -> Bom | None:
        return self.by_product.get(product_id)


def line_quantity(line: BomLine, batches: Decimal) -> Decimal:
    """What ``batches`` of the line's BOM take of its component, in the component's unit, scrap
    included: quantity (converted) × (1 + scrap %) × batches."""
    per_batch = in_product_unit(line.quantity, line.uom, line.product.uom)
    return per_batch * (1 + line.scrap_percent / HUNDRED) * batches


def in_product_unit(quantity: Decimal, unit: Uom, target: Uom) -> Decimal:
    return quantity if unit.pk == target.pk else convert_quantity(quantity, unit, target)


def round_up(quantity: Decimal, unit: Uom) -> Decimal:
    """``quantity`` up to the next step the unit counts in (2.1 pieces are 3)."""
    step = unit.rounding if unit.rounding > 0 else QTY
    return ((quantity / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(QTY)


# --- explosion ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """``quantity`` (the product's unit, scrap included) of ``product`` needed at ``level``
    (1: straight into the product exploded) to make ``parent`` by ``bom``; ``makes`` is the BOM
    the requirement is itself made by (None: it is bought). Components of a phantom kit stand
    at the kit's level, ``through_kit`` naming it."""

    level: int
    product: Product
    quantity: Decimal
    parent: Product
    bom: Bom
    makes: Bom | None = None
    through_kit: Product | None = None


def explode(
    product: Product, quantity: Any, on: datetime.date | None = None, *, book: BomBook | None = None
) -> list[Requirement]:
    """The flat requirement of making ``quantity`` of ``product`` on ``on``, level by level (depth
    first, each sub-assembly followed by what it takes). Phantom kits are replaced by their
    components; a product without a BOM is bought and ends its branch. Quantities are gross:
    nothing is netted against stock."""
    on = on or timezone.localdate()
    book = book or BomBook(product.company_id, on)
    bom = book.of(product.pk)
    if bom is None:
        return []
    rows: list[Requirement] = []
    _explode(book, bom, Decimal(quantity), 1, rows, (product.pk,))
    return rows


def _explode(
    book: BomBook,
    bom: Bom,
    quantity: Decimal,
    level: int,
    rows: list[Requirement],
    path: tuple[int, ...],
    kit: Product | None = None,
) -> None:
    if level > MAX_LEVELS:
        return
    batches = quantity / bom.quantity
    for line in bom.lines.all():
        needed = line_quantity(line, batches).quantize(QTY, ROUND_HALF_UP)
        if line.product_id in path:
            continue  # a cycle the check refused; never loop
        sub = book.of(line.product_id)
        if sub is not None and sub.kind == Bom.Kind.PHANTOM:
            _explode(book, sub, needed, level, rows, (*path, line.product_id), kit=line.product)
            continue
        rows.append(Requirement(level, line.product, needed, bom.product, bom, sub, kit))
        if sub is not None:
            _explode(book, sub, needed, level + 1, rows, (*path, line.product_id))


def components_of(bom: Bom, quantity: Decimal, book: BomBook) -> list[tuple[Product, Decimal]]:
    """What an order of ``quantity`` by ``bom`` consumes: its first level, kits exploded, per
    product, rounded up to what each product's unit counts."""
    rows: list[Requirement] = []
    _explode_one_level(book, bom, quantity, rows, (bom.product_id,))
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    products: dict[int, Product] = {}
    for row in rows:
        totals[row.product.pk] += row.quantity
        products[row.product.pk] = row.product
    return [(products[pk], round_up(total, products[pk].uom)) for pk, total in totals.items()]


def _explode_one_level(
    book: BomBook, bom: Bom, quantity: Decimal, rows: list[Requirement], path: tuple[int, ...]
) -> None:
    batches = quantity / bom.quantity
    for line in bom.lines.all():
        needed = line_quantity(line, batches)
        sub = book.of(line.product_id)
        if sub is not None and sub.kind == Bom.Kind.PHANTOM and line.product_id not in path:
            _explode_one_level(book, sub, needed, rows, (*path, line.product_id))
            continue
        rows.append(Requirement(1, line.product, needed, bom.product, bom, sub))


# --- cycles -------------------------------------------------------------------------------------


def cycle_path(
    company_id: int, product: Product, components: Iterable[Product], exclude_bom: int | None
) -> list[str]:
    """The names along a path by which ``product`` would contain itself if its BOM (``exclude_bom``
    being replaced) had ``components``: ``["Chair", "Frame", "Chair"]``; empty when there is none.
    Every active BOM of the company counts, whatever its dates."""
    edges: dict[int, set[int]] = defaultdict(set)
    rows = BomLine.objects.filter(bom__company_id=company_id, bom__active=True)
    if exclude_bom is not None:
        rows = rows.exclude(bom_id=exclude_bom)
    for parent, child in rows.values_list("bom__product_id", "product_id"):
        edges[parent].add(child)
    names: dict[int, str] = {product.pk: product.name}
    start = list(components)
    for component in start:
        names[component.pk] = component.name
    edges[product.pk] |= {c.pk for c in start}
    found = _path(edges, product.pk, product.pk)
    if not found:
        return []
    missing = [pk for pk in found if pk not in names]
    names.update(dict(Product.objects.filter(pk__in=missing).values_list("pk", "name")))
    return [names[pk] for pk in found]


def _path(edges: dict[int, set[int]], start: int, target: int) -> list[int]:
    """A path start → … → target of at least one edge (depth first), or []."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for child in sorted(edges.get(node, ()), reverse=True):
            if child == target:
                return [*path, child]
            if child not in seen:
                seen.add(child)
                stack.append((child, [*path, child]))
    return []


# --- cost roll-up -------------------------------------------------------------------------------


@dataclass
class CostRow:
    """One line of the roll-up: a component (``quantity`` per unit of the top product) or an
    operation (``minutes`` per unit), at its level, with its unit cost and cost."""

    level: int
    name: str
    product: Product | None
    quantity: Decimal
    unit_cost: Decimal
    cost: Decimal
    source: str  # "bom", "valuation" or "operation"
    work_centre: WorkCentre | None = None


@dataclass
class RollUp:
    product: Product
    bom: Bom | None
    unit_cost: Decimal
    components: Decimal
    operations: Decimal
    rows: list[CostRow] = field(default_factory=list)


def roll_up(product: Product, on: datetime.date | None = None, *, book: BomBook | None = None) -> RollUp:
    """The standard cost of one unit of ``product``: its components at their own rolled-up cost
    (made ones, level by level) or their valuation cost (bought ones), plus its operations' setup
    (spread over the BOM's batch) and run time at their work centres' cost per hour, less what the
    by-products take; with every level's rows, per unit of ``product``."""
    on = on or timezone.localdate()
    book = book or BomBook(product.company_id, on)
    costs: dict[int, Decimal] = {}
    rows: list[CostRow] = []
    unit, components, operations = _unit_cost(book, product, costs, rows, 1, Decimal(1), (product.pk,))
    return RollUp(product, book.of(product.pk), unit, components, operations, rows)


def bought_cost(product: Product) -> Decimal:
    return Decimal(valuation.current_cost(product))


def _unit_cost(
    book: BomBook,
    product: Product,
    costs: dict[int, Decimal],
    rows: list[CostRow] | None,
    level: int,
    per_top: Decimal,
    path: tuple[int, ...],
) -> tuple[Decimal, Decimal, Decimal]:
    """(unit cost, components per unit, operations per unit) of ``product``; appends the rows of
    its components and operations (quantities per unit of the top product, ``per_top`` of this)."""
    bom = book.of(product.pk)
    if bom is None or level > MAX_LEVELS:
        return bought_cost(product), ZERO, ZERO
    share = 1 - sum((b.cost_share for b in bom.byproducts.all()), ZERO) / HUNDRED
    components = ZERO
    for line in bom.lines.all():
        if line.product_id in path:
            continue
        per_unit = line_quantity(line, Decimal(1) / bom.quantity)
        sub = book.of(line.product_id)
        index = len(rows) if rows is not None else 0
        child_rows: list[CostRow] | None = [] if rows is not None else None
        cost, _c, _o = _unit_cost(
            book, line.product, costs, child_rows, level + 1, per_top * per_unit, (*path, line.product_id)
        )
        components += per_unit * cost
        if rows is not None:
            quantity = (per_top * per_unit).quantize(QTY, ROUND_HALF_UP)
            rows.insert(
                index,
                CostRow(
                    level,
                    line.product.name,
                    line.product,
                    quantity,
                    cost,
                    (per_top * per_unit * cost).quantize(COST, ROUND_HALF_UP),
                    "bom" if sub is not None else "valuation",
                ),
            )
            rows.extend(child_rows or [])
    operations = ZERO
    for operation in bom.routing.operations.all() if bom.routing is not None else []:
        minutes = operation.setup_minutes / bom.quantity + operation.run_minutes
        cost = minutes / 60 * operation.work_centre.cost_per_hour
        operations += cost
        if rows is not None:
            rows.append(
                CostRow(
                    level,
                    operation.name,
                    None,
                    (per_top * minutes).quantize(QTY, ROUND_HALF_UP),
                    operation.work_centre.cost_per_hour,
                    (per_top * cost).quantize(COST, ROUND_HALF_UP),
                    "operation",
                    operation.work_centre,
                )
            )
    unit = ((components + operations) * share).quantize(COST, ROUND_HALF_UP)
    costs[product.pk] = unit
    return (
        unit,
        (components * share).quantize(COST, ROUND_HALF_UP),
        (operations * share).quantize(COST, ROUND_HALF_UP),
    )


# --- work time and labour ---------------------------------------------------------------------


def minutes_worked(logs: Iterable[WorkLog], now: datetime.datetime | None = None) -> Decimal:
    """The minutes of ``logs``; a stretch still open counts up to ``now``."""
    now = now or timezone.now()
    seconds = sum(((log.ended_at or now) - log.started_at).total_seconds() for log in logs)
    return (Decimal(str(seconds)) / 60).quantize(QTY, ROUND_HALF_UP)


def labour_cost(order: ManufacturingOrder, now: datetime.datetime | None = None) -> Decimal:
    """The labour and overhead of the time worked on the order: each work order's minutes × its
    work centre's cost per hour (not rounded: the caller rounds to the currency)."""
    total = ZERO
    work_orders = order.work_orders.select_related("work_centre").prefetch_related("logs")
    for work_order in work_orders:
        minutes = minutes_worked(work_order.logs.all(), now)
        total += minutes / 60 * work_order.work_centre.cost_per_hour
    return total


def produced(order: ManufacturingOrder) -> Decimal:
    return sum((p.quantity for p in order.productions.all()), ZERO)


def actual_unit_cost(order: ManufacturingOrder) -> Decimal | None:
    """What a unit made by the order cost (components + labour), from its productions."""
    rows = list(order.productions.all())
    quantity = sum((p.quantity for p in rows), ZERO)
    if not quantity:
        return None
    return (sum((p.value for p in rows), ZERO) / quantity).quantize(COST, ROUND_HALF_UP)


def consumed_value(transfer_id: int) -> Decimal:
    """The value the components of a validated transfer left stock with (its layers)."""
    layers = ValuationLayer.objects.filter(move__transfer_id=transfer_id)
    return -sum((layer.value for layer in layers), ZERO)


# --- traceability -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TracedLot:
    product: Product
    lot_name: str
    quantity: Decimal


def consumed_lots(order: ManufacturingOrder) -> list[TracedLot]:
    """The lots of components the order consumed (lines of its consumption transfers)."""
    transfers = [p.consumption_id for p in order.productions.all() if p.consumption_id]
    lines = (
        MoveLine.objects.filter(move__transfer_id__in=transfers, lot__isnull=False)
        .select_related("product", "lot")
        .order_by("product__name_key", "lot__name", "id")
    )
    totals: dict[tuple[int, int], TracedLot] = {}
    for line in lines:
        key = (line.product_id, line.lot_id or 0)
        before = totals.get(key)
        amount = line.quantity + (before.quantity if before else ZERO)
        totals[key] = TracedLot(line.product, line.lot.name if line.lot else "", amount)
    return list(totals.values())


def orders_of_lot(lot_id: int) -> QuerySet[ManufacturingOrder]:
    """The orders that consumed or produced a lot: where it went and where it came from."""
    transfers = MoveLine.objects.filter(lot_id=lot_id).values("move__transfer_id")
    made = Production.objects.filter(Q(consumption_id__in=transfers) | Q(output_id__in=transfers))
    return ManufacturingOrder.objects.filter(pk__in=made.values("order_id"))


# --- calendars ----------------------------------------------------------------------------------


@cache
def _holidays(country: str, year: int) -> frozenset[datetime.date]:
    try:
        found = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return frozenset()
    return frozenset(found.keys())


def is_working_day(centre: WorkCentre, day: datetime.date) -> bool:
    """Whether ``centre`` works on ``day``: one of its weekdays and not a public holiday of its country."""
    if str(day.isoweekday()) not in centre.working_days:
        return False
    return not (centre.holiday_country and day in _holidays(centre.holiday_country.upper(), day.year))


def capacity(centre: WorkCentre, start: datetime.date, end: datetime.date) -> dict[datetime.date, Decimal]:
    """Hours ``centre`` can work on each day from ``start`` to ``end`` (both included)."""
    days: dict[datetime.date, Decimal] = {}
    day = start
    while day <= end:
        days[day] = centre.capacity_hours if is_working_day(centre, day) else ZERO
        day += datetime.timedelta(days=1)
    return days


def open_work_orders(centre: WorkCentre) -> QuerySet[WorkOrder]:
    """The shop floor of a work centre: work orders of confirmed or running orders, not done."""
    return (
        WorkOrder.objects.filter(
            work_centre=centre,
            state__in=[WorkOrder.State.PENDING, WorkOrder.State.IN_PROGRESS, WorkOrder.State.PAUSED],
            order__state__in=[ManufacturingOrder.State.CONFIRMED, ManufacturingOrder.State.IN_PROGRESS],
        )
        .select_related("order__product", "order__product__uom")
        .order_by("order__due_date", "order_id", "sequence", "id")
    )
