"""Capable-to-promise: the earliest day a quantity of a product can be delivered from stock, open
supply and new production, with the reasoning (``queries.capable_to_promise`` is the entry).

For each product asked for (the product sold, then its components level by level):

1. **Stock and open supply.** The projected stock of the warehouse — on hand, plus open receipts
   and the output of released manufacturing orders (at their planned finish, else their due
   date), less open deliveries and reserved components — covers the quantity from the first day
   it never falls below it again (what this same promise already took of the product counts
   first, so a component used twice is not promised twice).
2. **New production or purchase** of what the stock never covers. A product with a bill of
   materials is made: each component is asked for the same way (phantom kits exploded), the
   production can start when the last one is there, and its operations are placed on the work
   centres after the load of every released order (``planning.capacity.released_board``), each
   after the one before it, within each centre's working days and hours. A product without one
   is bought: today plus the shortest lead time of its valid supplier prices; with none, there
   is no promise.

The answer is the earlier of the two (open supply far off may lose to making it now). Every
product's step says where its quantity comes from and what bounds its date: the stock, a
receipt, a supplier's lead time, the components (then the latest component's step bounds it
in turn), a work centre's capacity (its queue held an operation up) or the production time
itself. ``CapableToPromise.bounds`` follows that chain from the top: the reasoning.

Everything is read once per call (BOMs, stock, moves, open orders, lead times, released work),
never per component: a four-level product is promised in a few dozen milliseconds
(``bench/ctp.py``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core.models import Company
from tandem.core.money import plain
from tandem.inventory.models import OPEN_STATES, STOCKED_KINDS, Location, Move, Quant, Transfer, Warehouse
from tandem.manufacturing import queries as manufacturing
from tandem.manufacturing.models import Bom, ManufacturingOrder, Production
from tandem.planning import capacity
from tandem.purchasing.models import SupplierPrice

ZERO = Decimal(0)
HORIZON_DAYS = 365  # open supply and demand further off than this do not count


class Source:
    STOCK = "stock"  # on the shelf now
    SUPPLY = "supply"  # an open receipt or a released manufacturing order brings it
    PRODUCTION = "production"  # made anew
    PURCHASE = "purchase"  # bought anew: today plus the supplier's lead time
    NONE = "none"  # bought, but no supplier price: no promise


class Bound:
    STOCK = "stock"
    SUPPLY = "supply"
    LEAD_TIME = "lead_time"
    COMPONENTS = "components"
    CAPACITY = "capacity"
    PRODUCTION = "production"
    NO_SUPPLIER = "no_supplier"


@dataclass(frozen=True)
class Step:
    """How ``quantity`` of ``product`` at ``level`` (0: the product asked for) is had by ``date``.

    ``made`` is the part made or bought anew (the rest comes from stock or open supply);
    ``bound`` what sets the date; ``centre`` the work centre whose queue held it up (capacity),
    ``lead_days`` the supplier's lead time (purchase), ``ready`` the day its components were
    all there and ``start``/``finish`` its operations (production); ``parent`` the index of the
    step it is a component of; ``limit`` the index of the component step that bounds it."""

    level: int
    product: Product
    quantity: Decimal
    date: datetime.date | None
    source: str
    bound: str
    made: Decimal = ZERO
    parent: int | None = None
    limit: int | None = None
    centre: str = ""
    lead_days: int | None = None
    ready: datetime.date | None = None
    start: datetime.datetime | None = None
    finish: datetime.datetime | None = None

    @property
    def at(self) -> datetime.datetime | None:
        """The moment it is there: its production's finish, else the start of its day."""
        if self.finish is not None:
            return self.finish
        return capacity.day_start(self.date) if self.date is not None else None

    @property
    def reason(self) -> str:
        """The step's reasoning in a sentence, in the reader's language."""
        day = self.date.isoformat() if self.date else ""
        words = {"product": self.product.name, "day": day, "quantity": plain(self.quantity)}
        if self.bound == Bound.STOCK:
            return _("%(quantity)s %(product)s in stock.") % words
        if self.bound == Bound.SUPPLY:
            return _("%(quantity)s %(product)s: open supply covers it from %(day)s.") % words
        if self.bound == Bound.LEAD_TIME:
            return _("%(product)s is bought: %(days)s days of supplier lead time, here on %(day)s.") % {
                **words,
                "days": self.lead_days,
            }
        if self.bound == Bound.NO_SUPPLIER:
            return _("%(product)s is bought but has no supplier price: no promise.") % words
        if self.bound == Bound.CAPACITY:
            return _("%(product)s waits for work centre %(centre)s (its load), finished on %(day)s.") % {
                **words,
                "centre": self.centre,
            }
        if self.bound == Bound.COMPONENTS:
            return _(
                "%(product)s can start when its components are there (%(ready)s), finished on %(day)s."
            ) % {
                **words,
                "ready": self.ready.isoformat() if self.ready else "",
            }
        return _("%(product)s is made in its own production time, finished on %(day)s.") % words


@dataclass(frozen=True)
class CapableToPromise:
    product: Product
    quantity: Decimal
    date: datetime.date | None
    steps: list[Step]

    @property
    def bounds(self) -> list[Step]:
        """The chain of steps that sets the date, from the product down to what bounds it."""
        chain: list[Step] = []
        index: int | None = 0 if self.steps else None
        while index is not None:
            step = self.steps[index]
            chain.append(step)
            index = step.limit if step.bound == Bound.COMPONENTS else None
        return chain

    @property
    def reason(self) -> str:
        return " ".join(step.reason for step in self.bounds)


# --- what is read once -------------------------------------------------------------------------


def _tree(book: manufacturing.BomBook, product_id: int) -> set[int]:
    """The product and every product its BOMs reach, at any level."""
    seen = {product_id}
    todo = [product_id]
    while todo:
        bom = book.of(todo.pop())
        for line in bom.lines.all() if bom is not None else []:
            if line.product_id not in seen:
                seen.add(line.product_id)
                todo.append(line.product_id)
    return seen


Projection = tuple[Decimal, list[tuple[datetime.date, Decimal]]]


def projections(
    company: Company,
    warehouse: Warehouse,
    product_ids: set[int],
    today: datetime.date,
    returned: dict[int, Sequence[tuple[datetime.date, Decimal]]] | None = None,
) -> dict[int, Projection]:
    """(stock today, [(day, projected stock after it)]) of each product in ``warehouse``: on hand,
    open moves in and out, the output left to make of released manufacturing orders, and
    ``returned`` (the asker's own outgoing moves, given back), in five queries whatever the
    number of products."""
    inside = set(
        Location.objects.filter(warehouse=warehouse, kind__in=STOCKED_KINDS).values_list("pk", flat=True)
    )
    on_hand: dict[int, Decimal] = defaultdict(lambda: ZERO)
    quants = (
        Quant.objects.filter(product_id__in=product_ids, location_id__in=inside)
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "total")
    )
    for product_id, total in quants:
        on_hand[product_id] += total or ZERO
    change: dict[int, dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    until = today + datetime.timedelta(days=HORIZON_DAYS)
    open_transfers = Transfer.objects.filter(company=company, state__in=OPEN_STATES).values("pk")
    moves = (
        Move.objects.filter(product_id__in=product_ids, transfer__in=open_transfers, expected_date__lte=until)
        .filter(Q(dest_location_id__in=inside) ^ Q(source_location_id__in=inside))
        .values_list("product_id", "expected_date", "dest_location_id", "quantity")
    )
    for product_id, day, dest, quantity in moves:
        change[product_id][max(day, today)] += quantity if dest in inside else -quantity
    orders = list(
        ManufacturingOrder.objects.filter(
            company=company, warehouse=warehouse, product_id__in=product_ids, state__in=capacity.RELEASED
        ).values_list("pk", "product_id", "quantity", "planned_finish", "due_date")
    )
    made = dict(
        Production.objects.filter(order_id__in=[row[0] for row in orders])
        .values("order_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_id", "total")
    )
    for pk, product_id, quantity, finish, due in orders:
        left = quantity - (made.get(pk) or ZERO)
        day = timezone.localtime(finish).date() if finish is not None else due
        if left > 0 and day <= until:
            change[product_id][max(day, today)] += left
    for product_id, rows in (returned or {}).items():
        for day, quantity in rows:
            change[product_id][max(day, today)] += quantity
    found: dict[int, Projection] = {}
    for product_id in product_ids:
        level = on_hand[product_id]
        points = []
        for day in sorted(change[product_id]):
            level += change[product_id][day]
            points.append((day, level))
        found[product_id] = (on_hand[product_id], points)
    return found


def lead_times(company: Company, product_ids: Iterable[int], today: datetime.date) -> dict[int, int]:
    """The shortest lead time (days) of each product's supplier prices valid today."""
    rows = (
        SupplierPrice.objects.filter(company=company, active=True, product_id__in=list(product_ids))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("product_id")
        .annotate(days=Min("lead_time_days"))
        .values_list("product_id", "days")
    )
    return {product_id: int(days or 0) for product_id, days in rows}


def earliest(
    start: Decimal, points: Sequence[tuple[datetime.date, Decimal]], quantity: Decimal, today: datetime.date
) -> datetime.date | None:
    """Pure: the first day from which the projected stock stays at ``quantity`` or above (None: none)."""
    found = None
    lowest: Decimal | None = None
    for day, level in reversed([(today, start), *points]):
        lowest = level if lowest is None else min(lowest, level)
        if lowest < quantity:
            break
        found = day
    return found


# --- the search -----------------------------------------------------------------------------------


class _Promiser:
    def __init__(
        self,
        company: Company,
        warehouse: Warehouse,
        product: Product,
        today: datetime.date,
        returned: dict[int, Sequence[tuple[datetime.date, Decimal]]] | None,
    ) -> None:
        self.today = today
        self.book = manufacturing.BomBook(company.pk, today)
        ids = _tree(self.book, product.pk)
        self.stock = projections(company, warehouse, ids, today, returned)
        self.leads = lead_times(company, ids, today)
        self.board, _placed = capacity.released_board(company, today)
        self.taken: dict[int, Decimal] = defaultdict(lambda: ZERO)
        self.steps: list[Step] = []

    def need(self, product: Product, quantity: Decimal, level: int, parent: int | None) -> int:
        """Find how ``quantity`` of ``product`` is had; the index of its step."""
        start, points = self.stock[product.pk]
        before = self.taken[product.pk]
        day = earliest(start, points, before + quantity, self.today)
        if day == self.today:
            self.taken[product.pk] = before + quantity
            source, bound = (
                (Source.STOCK, Bound.STOCK) if start >= before + quantity else (Source.SUPPLY, Bound.SUPPLY)
            )
            return self._add(Step(level, product, quantity, day, source, bound, parent=parent))
        lowest = min([start, *(level_ for _d, level_ in points)])
        covered = min(max(lowest - before, ZERO), quantity)
        saved = (dict(self.taken), self.board.copy(), len(self.steps))
        index = len(self.steps)
        self.steps.append(Step(level, product, quantity, None, Source.NONE, Bound.NO_SUPPLIER, parent=parent))
        self.taken[product.pk] = before + covered
        made = self._make_or_buy(product, quantity - covered, level, index)
        made_day = made.date
        if day is not None and (made_day is None or day <= made_day):
            taken, board, length = saved
            self.taken = defaultdict(lambda: ZERO, taken)
            self.taken[product.pk] = before + quantity
            self.board = board
            del self.steps[length:]
            return self._add(Step(level, product, quantity, day, Source.SUPPLY, Bound.SUPPLY, parent=parent))
        self.steps[index] = made
        return index

    def _add(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def _make_or_buy(self, product: Product, quantity: Decimal, level: int, index: int) -> Step:
        step = self.steps[index]
        bom = self.book.of(product.pk)
        if bom is None:
            lead = self.leads.get(product.pk)
            if lead is None:
                return step
            day = self.today + datetime.timedelta(days=lead)
            return Step(
                level, product, step.quantity, day, Source.PURCHASE, Bound.LEAD_TIME, quantity,
                step.parent, lead_days=lead,
            )  # fmt: skip
        ready_at = capacity.day_start(self.today)
        limit = None
        missing = False
        for component, amount in manufacturing.components_of(bom, quantity, self.book):
            child = self.need(component, amount, level + 1, index)
            found = self.steps[child].at
            if found is None:
                missing = True
            elif limit is None or found > ready_at:
                ready_at, limit = max(found, ready_at), child
        ready = timezone.localtime(ready_at).date()
        if missing:
            return Step(
                level, product, step.quantity, None, Source.NONE, Bound.COMPONENTS, quantity, step.parent
            )
        operations = []
        if bom.kind == Bom.Kind.NORMAL and bom.routing is not None:
            for operation in bom.routing.operations.all():
                minutes = operation.setup_minutes + operation.run_minutes * quantity
                operations.append((operation.work_centre, int(minutes * 60)))
        slots = self.board.place(operations, ready_at)
        finish = slots[-1].finish if slots else ready_at
        day = timezone.localtime(finish).date()
        held = max(slots, key=lambda slot: slot.waited) if slots else None
        if held is not None and held.waited > 0:
            bound, centre = Bound.CAPACITY, str(held.centre)
        elif ready > self.today and limit is not None:
            bound, centre = Bound.COMPONENTS, ""
        else:
            bound, centre = Bound.PRODUCTION, ""
        start = slots[0].start if slots else None
        return Step(
            level, product, step.quantity, day, Source.PRODUCTION, bound, quantity, step.parent, limit,
            centre, ready=ready, start=start, finish=finish,
        )  # fmt: skip


def promise(
    company: Company,
    product: Product,
    quantity: Decimal,
    warehouse: Warehouse,
    today: datetime.date,
    returned: dict[int, Sequence[tuple[datetime.date, Decimal]]] | None = None,
) -> CapableToPromise:
    search = _Promiser(company, warehouse, product, today, returned)
    search.need(product, quantity, 0, None)
    return CapableToPromise(product, quantity, search.steps[0].date, search.steps)
