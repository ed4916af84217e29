"""MRP: what to make and buy, and when, so that every demand of the horizon is met.

``plan(company, today, horizon_days)`` reads everything once (a dozen grouped queries whatever the
number of products) and nets in memory; ``services.run_mrp`` writes what it returns in bulk.

**Demand** per product and warehouse: open moves leaving the warehouse (sales deliveries not
yet done, components of confirmed manufacturing orders, transfers out), the components of draft
manufacturing orders, the reorder rules' minimum plus safety stock and the product's own safety
stock (``ProductPlanning``; wanted today, as a floor), and forecasts (``Forecast``: the month's
quantity less what customers are already sent that month from the forecast's warehouse —
consumption — wanted on the first day of the month, or today, in that warehouse; a forecast of
an archived warehouse is not planned, like a reorder rule of one).

**Supply**: stock on hand, open moves into the warehouse (receipts), what is left to make of
open manufacturing orders (at their planned finish, else their due date), open purchase
requests and RFQ lines not confirmed yet.

**Netting**, product by product in low-level-code order (a product comes after every product
whose bill of materials uses it, at any level), so the dependent demand of every planned
manufacturing order reaches its components before they are netted. Demands are met in date
order from the earliest supply first; a supply due after the demand it meets is to be brought
forward (*reschedule in*) to the day of that demand; a supply that cannot come by then is also
*late*, with the earliest day it can come (and brought forward only as far as that day). The
earliest day an existing supply can come is today plus what it still takes: the production days
of what is left to make for a manufacturing order (or a firm planned make) begun today, on its
work centres' working days, the supplier's lead time for a purchase (an open receipt from a
supplier, a request, an RFQ, a firm planned buy),
nothing for a transfer between warehouses — no later than the day it is due, except for a
manufacturing order neither scheduled nor started, whose due date is a wish it misses when it
takes longer. What no supply meets becomes a planned order, lot-sized
(``ProductPlanning``: lot for lot, a fixed multiple, a minimum, days of supply; then the
unit's rounding; the needs of a day are one), due
on the day of the need and started its lead time earlier. A product with a bill of materials
is made, its lead time from its routing and the load (:class:`Load`): each operation's setup
and run minutes go, backward from the day before the need, into the hours its centre has free
on each of its working days (its weekdays, not its country's public holidays: a centre's calendar
as the schedule and capable-to-promise read it) — its hours a day less the open work of released
orders (``capacity.booked``) and the planned orders of this run placed before — whole days per
operation, one after the other; so an order due on a Monday with two days of work starts on the
Thursday before, and an order on a busy centre starts earlier. A product without one is bought
from the supplier price with the shortest lead time valid today, in calendar days (a supplier's
lead time is the days its goods take to come, weekends included, as capable-to-promise and make
to order count it; a planned buy may start on a weekend). An order that would have to start before
today is *late*: it starts today (a made one is placed forward from today on the free hours)
and is due when it can be. A product
with neither a BOM nor a supplier is planned to buy with *no BOM or supplier*. A planned order
that meets one demand only, and that an open move out of the warehouse (a sale's delivery, a
released order's component), is pegged to that move (``OrderRow.demand_move_id``): released, its
manufacturing order is made (its purchase request bought) for it, as make to order links its
orders; one that meets the component need of one planned order only is pegged to that order
(``OrderRow.parent``), and is made or bought for its component move once that order is released.
Every planned order also keeps each demand it meets with the quantity it gives it
(``OrderRow.pegs``, ``Planned.pegs``: demands of a day are met moves first, the earliest made
first, then planned orders' components, then forecasts and floors — by existing supply before
planned orders; what a lot brings beyond its need meets the next demands), several
deliveries of one lot and a delivery with a parent's component need alike; a kit (phantom BOM)
is seen through, its components wanted by the demands that wanted the kit, each in proportion
(:func:`share`). Forecasts and floors want what they take for no one: a planned order's quantity
beyond its pegs is free.
Existing supply that meets nothing is to be *cancelled*; one first needed more than
``RESCHEDULE_OUT_DAYS`` after it is due, *rescheduled out*.

Everything here is pure but the reading in :func:`plan`; :func:`net` and :func:`lot_size` are
the arithmetic, tested against hand-computed examples.
"""

from __future__ import annotations

import datetime
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Q, Sum

from tandem.catalog.models import Product
from tandem.core.models import Company
from tandem.inventory.models import OPEN_STATES, STOCKED_KINDS, Location, Move, Quant, Warehouse
from tandem.manufacturing import queries as manufacturing
from tandem.manufacturing.models import Bom, ManufacturingOrder, Production, WorkCentre
from tandem.planning import capacity
from tandem.planning.models import Forecast, MrpException, PlannedOrder, ProductPlanning, ReorderRule
from tandem.purchasing.models import PurchaseOrderLine, PurchaseRequest, SupplierPrice

ZERO = Decimal(0)
ONE = Decimal(1)
QTY = Decimal("0.0001")
RESCHEDULE_OUT_DAYS = 7  # supply due this much before its first need is left where it is
OPEN_MO_STATES = ("draft", "confirmed", "in_progress")
PENDING_ORDER_STATES = ("draft", "sent", "to_approve")  # confirmed RFQs are receipts (open moves)
MAX_LEVELS = 64

Key = tuple[int, int]  # (product id, warehouse id)


@dataclass(frozen=True)
class ForOrder:
    """What a demand of a planned order's component is pegged to: that order (``index`` into
    ``Plan.orders``), which has no move until it is released."""

    index: int


Peg = int | ForOrder | None  # the move that wants it, or the planned order, or neither
Demand = tuple[datetime.date, Decimal, Peg]  # (day, quantity, what wants it)
Kind = MrpException.Kind
Timing = Callable[[Decimal, datetime.date], tuple[datetime.date, datetime.date]]


# --- the arithmetic -----------------------------------------------------------------------------


def lot_size(net: Decimal, policy: str, quantity: Decimal, rounding: Decimal = ZERO) -> Decimal:
    """What to order for a net need of ``net``: lot for lot (also for days of supply, whose
    need is the period's), up to whole multiples of ``quantity``, or at least ``quantity``; then
    up to the unit's ``rounding`` step. Pure."""
    if net <= 0:
        return ZERO
    wanted = net
    if policy == ProductPlanning.Policy.MULTIPLE and quantity > 0:
        wanted = (net / quantity).to_integral_value(rounding=ROUND_CEILING) * quantity
    elif policy == ProductPlanning.Policy.MINIMUM:
        wanted = max(net, quantity)
    if rounding > 0:
        wanted = (wanted / rounding).to_integral_value(rounding=ROUND_CEILING) * rounding
    return wanted.quantize(QTY)


@dataclass
class Supply:
    """Existing supply of one product in one warehouse: due on ``due``; ``reference`` names the
    document ("" for the stock on hand, which is never rescheduled); ``lead`` the days it takes
    at least from today (to make what is left, or the supplier's lead time), so that it can come
    on ``earliest(today)`` at best; ``committed`` when ``due`` is a date it keeps (a supplier's,
    a scheduled or running order's) rather than a wish (the due date of an order not scheduled,
    which it misses when it takes longer). ``left``, ``first_need`` and ``late`` (what demands
    before its earliest day take of it) are filled in by :func:`net`."""

    due: datetime.date
    quantity: Decimal
    reference: str = ""
    lead: int = 0
    committed: bool = True
    left: Decimal = ZERO
    first_need: datetime.date | None = None
    late: Decimal = ZERO

    def __post_init__(self) -> None:
        self.left = self.quantity

    def earliest(self, today: datetime.date) -> datetime.date:
        """The first day it can come if it is brought forward (no later than it is due when
        that date is committed)."""
        soonest = today + datetime.timedelta(days=max(self.lead, 0))
        return min(self.due, soonest) if self.committed else soonest


@dataclass(frozen=True)
class Planned:
    """A net need met by a new order: ``quantity`` (lot-sized) started on ``start``, due ``due``;
    ``need`` the day it was wanted (later than ``due`` only when it is late); ``covers`` the
    moves of the demands it meets (a planned order's component: :class:`ForOrder`; None for a demand
    that is neither: a forecast, a floor)."""

    quantity: Decimal
    start: datetime.date
    due: datetime.date
    need: datetime.date
    late: bool
    pegs: list[tuple[Peg, Decimal]] = field(default_factory=list, compare=False)

    @property
    def covers(self) -> set[Peg]:
        """What wants what it brings: the moves, planned orders and None (a forecast, a floor)."""
        return {peg for peg, _quantity in self.pegs}

    @property
    def pegged(self) -> Peg:
        """The move (or planned order) it is made for, when it meets that one demand only."""
        covers = self.covers
        return next(iter(covers)) if len(covers) == 1 else None


def _first_come(demand: Demand) -> tuple[datetime.date, int, int]:
    """The order demands of a day are met in: moves first, the earliest made first, then planned
    orders' components, then what wants it for no one (forecasts, floors)."""
    day, _quantity, peg = demand
    if isinstance(peg, int):
        return day, 0, peg
    return (day, 1, peg.index) if isinstance(peg, ForOrder) else (day, 2, 0)


def _take(queue: deque[list[Any]], amount: Decimal) -> list[tuple[Peg, Decimal]]:
    """Take ``amount`` from the demands of a day (``[peg, left]`` in the order they came), first
    come first met: what each gave."""
    taken: list[tuple[Peg, Decimal]] = []
    while amount > 0 and queue:
        peg, left = queue[0]
        part = min(amount, left)
        taken.append((peg, part))
        amount -= part
        if part >= left:
            queue.popleft()
        else:
            queue[0][1] = left - part
    return taken


def _add(pegs: list[tuple[Peg, Decimal]], more: Iterable[tuple[Peg, Decimal]]) -> None:
    """Add ``more`` to ``pegs``, one entry per demand."""
    for peg, quantity in more:
        for n, (known, had) in enumerate(pegs):
            if known == peg:
                pegs[n] = (peg, had + quantity)
                break
        else:
            pegs.append((peg, quantity))


def share(needed: Decimal, made: Decimal, pegs: Sequence[tuple[Peg, Decimal]]) -> list[tuple[Peg, Decimal]]:
    """``needed`` of a component of ``made`` of a kit, shared among the demands the kit meets
    (``pegs``: each its part of ``made``) in proportion; what the kit brings beyond them (a lot
    size) wants the rest for none. The parts add up to ``needed`` exactly. Pure."""
    found: list[tuple[Peg, Decimal]] = []
    left, pegged = needed, ZERO
    for peg, quantity in pegs:
        part = (needed * quantity / made).quantize(QTY, rounding=ROUND_DOWN) if made > 0 else ZERO
        part = min(part, left)
        if part > 0:
            found.append((peg, part))
            left -= part
        pegged += quantity
    if left > 0:
        if found and pegged >= made:  # the rounding of a kit wholly pegged: to the last demand
            found[-1] = (found[-1][0], found[-1][1] + left)
        else:
            found.append((None, left))
    return found


@dataclass(frozen=True)
class Notice:
    kind: str
    quantity: Decimal
    reference: str = ""
    due: datetime.date | None = None
    need: datetime.date | None = None
    planned: int | None = None  # index into the planned orders of the same call


@dataclass
class Netted:
    planned: list[Planned] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def net(
    demands: Iterable[Demand],
    supplies: Sequence[Supply],
    today: datetime.date,
    size: Callable[[Decimal], Decimal],
    timing: Timing,
    period: int = 0,
) -> Netted:
    """Net the demands of one product in one warehouse against its supplies (see the module's
    description). ``size`` lot-sizes a net need; ``timing`` gives the start and due day of an
    order of a quantity wanted on a day (:func:`offset`, :meth:`Load.place`), due after that day
    when it is late; ``period`` (days of supply) makes a planned order cover the net needs of
    that many days from its first one."""
    found = Netted()
    queue = sorted(supplies, key=lambda s: (s.reference != "", s.due, s.reference))  # stock first
    earliest = {id(supply): supply.earliest(today) for supply in queue}
    at = 0
    spare = ZERO  # what the last planned order brings beyond its need
    by_day: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    wanting: dict[datetime.date, deque[list[Any]]] = defaultdict(deque)  # [peg, left] per day
    for day, quantity, move in sorted(demands, key=_first_come):
        by_day[day] += quantity
        wanting[day].append([move, quantity])
    days = sorted(by_day.items())
    for n, (day, quantity) in enumerate(days):
        want = quantity
        while want > 0 and at < len(queue):
            supply = queue[at]
            take = min(want, supply.left)
            if take > 0:
                if supply.first_need is None:
                    supply.first_need = day
                if day < earliest[id(supply)]:
                    supply.late += take
                supply.left -= take
                want -= take
                _take(wanting[day], take)  # met by existing supply: no planned order's
            if supply.left <= 0:
                at += 1
        if want > 0 and spare > 0:
            take = min(want, spare)
            spare -= take
            want -= take
            _add(found.planned[-1].pegs, _take(wanting[day], take))
        if want > 0:
            ahead = ZERO  # the later needs of the period: no supply is left for them
            if period > 1:
                until = day + datetime.timedelta(days=period)
                ahead = sum((q for d, q in days[n + 1 :] if d < until), ZERO)
            ordered = size(want + ahead)
            start, due = timing(ordered, day)
            late = due > day
            found.planned.append(Planned(ordered, start, due, day, late, _take(wanting[day], want)))
            if late:
                found.notices.append(Notice(Kind.LATE, ordered, "", due, day, len(found.planned) - 1))
            spare = ordered - want
    for supply in queue:
        if not supply.reference:
            continue
        if supply.first_need is None:
            found.notices.append(Notice(Kind.CANCEL, supply.quantity, supply.reference, supply.due))
            continue
        best = earliest[id(supply)]
        if supply.late > 0:  # needed before it can come, however early: late (on ``best`` at best)
            found.notices.append(Notice(Kind.LATE, supply.late, supply.reference, best, supply.first_need))
        if supply.first_need < supply.due:
            if best < supply.due:  # bring it forward: to its need, or as near as it can come
                target = max(best, supply.first_need)
                found.notices.append(
                    Notice(Kind.RESCHEDULE_IN, supply.quantity, supply.reference, supply.due, target)
                )
        elif supply.first_need > supply.due + datetime.timedelta(days=RESCHEDULE_OUT_DAYS):
            found.notices.append(
                Notice(Kind.RESCHEDULE_OUT, supply.quantity, supply.reference, supply.due, supply.first_need)
            )
    return found


def offset(days: int, today: datetime.date) -> Timing:
    """The timing of an order that takes ``days`` whatever else is going on (bought): started
    that much before its need, or today when that is past and then due ``days`` later."""

    def timing(_quantity: Decimal, need: datetime.date) -> tuple[datetime.date, datetime.date]:
        start = need - datetime.timedelta(days=days)
        return (start, need) if start >= today else (today, today + datetime.timedelta(days=days))

    return timing


def operations(bom: Bom, quantity: Decimal) -> list[tuple[WorkCentre, int]]:
    """The seconds of work of each operation of ``bom``'s routing for ``quantity``, in order."""
    routing = bom.routing
    if routing is None:
        return []
    return [
        (
            operation.work_centre,
            int(
                ((operation.setup_minutes + operation.run_minutes * quantity) * 60).to_integral_value(
                    ROUND_CEILING
                )
            ),
        )
        for operation in routing.operations.all()
    ]


class Load:
    """The work centres' working days as a run fills them, in seconds: a centre has its hours a
    day on its working days (``capacity.Clock``: its weekdays, not its country's public holidays,
    as the schedule and capable-to-promise count them) and none on the others, less what is
    ``booked`` (the released orders' open work, ``capacity.booked``) and what the run's planned
    orders placed before took."""

    def __init__(
        self,
        today: datetime.date,
        booked: dict[tuple[int, datetime.date], float],
        clocks: dict[int, capacity.Clock] | None = None,
    ) -> None:
        self.today = today
        self.clocks = {} if clocks is None else clocks
        self.used: dict[tuple[int, datetime.date], int] = defaultdict(int)
        for key, seconds in booked.items():
            self.used[key] = round(seconds)
        self._first: dict[int, datetime.date] = {}

    def clock(self, centre: WorkCentre) -> capacity.Clock:
        found = self.clocks.get(centre.pk)
        if found is None:
            found = self.clocks[centre.pk] = capacity.Clock(centre)
        return found

    def free(self, centre: WorkCentre, day: datetime.date) -> int:
        return max(0, self.clock(centre).capacity(day) - self.used[(centre.pk, day)])

    def first_free(self, centre: WorkCentre) -> datetime.date:
        """The first day from today with free hours at ``centre``: every day before it is full or
        not worked. Hours are only ever taken, so it only moves on (an overloaded centre is not
        walked day by day by each order placed on it)."""
        clock = self.clock(centre)
        day = clock.next_working(self._first.get(centre.pk, self.today))
        while not self.free(centre, day):
            day = clock.next_working(day + datetime.timedelta(days=1))
        self._first[centre.pk] = day
        return day

    def timing(self, bom: Bom) -> Timing:
        """:meth:`place` for orders made by ``bom``."""
        return lambda quantity, need: self.place(operations(bom, quantity), need)

    def place(
        self, work: Sequence[tuple[WorkCentre, int]], need: datetime.date
    ) -> tuple[datetime.date, datetime.date]:
        """(start, due) of ``work`` (operations in order: centre, seconds) wanted on ``need``, and
        its hours taken: backward from the day before ``need``, each operation on whole days
        before the first of the next one, into each working day's free hours; when that would
        start before today, forward from today (late: due the day after its last day of work)."""
        work = [(centre, seconds) for centre, seconds in work if seconds > 0]
        if not work:
            return need, need
        taken: list[tuple[tuple[int, datetime.date], int]] = []
        end = need
        for centre, seconds in reversed(work):
            day, floor = end, self.first_free(centre)
            while seconds > 0:
                day -= datetime.timedelta(days=1)
                if day < floor:  # from today to this day the centre is full: too late
                    return self._forward(work)
                part = min(seconds, self.free(centre, day))  # an order's operations share no day
                if part > 0:
                    taken.append(((centre.pk, day), part))
                    seconds -= part
            end = day
        for key, part in taken:
            self.used[key] += part
        return end, need

    def _forward(self, work: Sequence[tuple[WorkCentre, int]]) -> tuple[datetime.date, datetime.date]:
        day, start = self.today, None
        for centre, seconds in work:
            day = max(day, self.first_free(centre))
            while True:
                part = min(seconds, self.free(centre, day))
                if part > 0:
                    self.used[(centre.pk, day)] += part
                    seconds -= part
                    start = start or day
                if seconds <= 0:
                    break
                day += datetime.timedelta(days=1)
            day += datetime.timedelta(days=1)
        return start or self.today, day

    def _working_days(self, centre: WorkCentre, seconds: int) -> int:
        """The whole working days ``seconds`` of work take at ``centre``, at its hours a day."""
        return -(-seconds // self.clock(centre).seconds) if seconds > 0 else 0

    def start_before(self, work: Sequence[tuple[WorkCentre, int]], due: datetime.date) -> datetime.date:
        """The first day of ``work`` done by ``due`` whatever the load: each operation on whole
        working days of its centre, the last ending on the last one before ``due``."""
        day = due
        for centre, seconds in reversed(work):
            clock = self.clock(centre)
            for _n in range(self._working_days(centre, seconds)):
                day = clock.previous_working(day - datetime.timedelta(days=1))
        return day

    def finish_after(self, work: Sequence[tuple[WorkCentre, int]], start: datetime.date) -> datetime.date:
        """The day after the last day of ``work`` begun on ``start`` whatever the load, each
        operation on whole working days of its centre after the one before it."""
        day = start
        for centre, seconds in work:
            clock = self.clock(centre)
            for _n in range(self._working_days(centre, seconds)):
                day = clock.next_working(day) + datetime.timedelta(days=1)
        return day


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    product_id: int
    warehouse_id: int
    kind: str
    level: int
    quantity: Decimal
    start: datetime.date
    due: datetime.date
    partner_id: int | None
    bom_id: int | None
    demand_move_id: int | None = None  # the one move it is made or bought for
    parent: int | None = None  # the planned order (index into Plan.orders) it is made or bought for
    # every demand it meets and how much of it: (move id, parent index, quantity), one of the two
    pegs: tuple[tuple[int | None, int | None, Decimal], ...] = ()


@dataclass(frozen=True)
class ExceptionRow:
    product_id: int
    warehouse_id: int
    kind: str
    quantity: Decimal
    reference: str
    due: datetime.date | None
    need: datetime.date | None
    order: int | None  # index into Plan.orders


@dataclass
class Plan:
    orders: list[OrderRow] = field(default_factory=list)
    exceptions: list[ExceptionRow] = field(default_factory=list)
    products: int = 0
    demand_lines: int = 0


class _Inputs:
    """Everything MRP reads of a company, read once."""

    def __init__(self, company: Company, today: datetime.date, end: datetime.date) -> None:
        self.today, self.end = today, end
        warehouses = list(
            Warehouse.objects.filter(company=company, active=True).order_by("id").values_list("pk", flat=True)
        )
        self.default_warehouse = warehouses[0] if warehouses else None
        located = Location.objects.filter(
            company=company, kind__in=STOCKED_KINDS, warehouse_id__in=warehouses
        )
        self.warehouse_of: dict[int, int] = dict(located.values_list("pk", "warehouse_id"))
        self.customers = set(
            Location.objects.filter(company=company, kind=Location.Kind.CUSTOMER).values_list("pk", flat=True)
        )
        self.vendors = set(
            Location.objects.filter(company=company, kind=Location.Kind.SUPPLIER).values_list("pk", flat=True)
        )
        self.demands: dict[Key, list[Demand]] = defaultdict(list)
        self.supplies: dict[Key, list[Supply]] = defaultdict(list)
        self.demand_lines = 0
        self.book = manufacturing.BomBook(company.pk, today)
        clocks: dict[int, capacity.Clock] = {}
        self.load = Load(today, capacity.booked(company, today, end, clocks), clocks)
        self._components: dict[tuple[int, Decimal], list[tuple[Product, Decimal]]] = {}
        self._days: dict[tuple[int, Decimal], int] = {}
        self.leads: dict[int, tuple[int, int]] = {}  # product → (days, supplier)
        rows = (
            SupplierPrice.objects.filter(company=company, active=True)
            .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
            .order_by("product_id", "lead_time_days", "id")
            .values_list("product_id", "lead_time_days", "partner_id")
        )
        for product_id, days, partner_id in rows:
            self.leads.setdefault(product_id, (int(days or 0), partner_id))
        self._on_hand(company)
        shipped = self._moves(company)
        self._orders(company)
        self._purchases(company)
        self._firm(company)
        self._floors(company)
        self._forecasts(company, shipped)
        self.sizing = {
            product_id: (policy, quantity)
            for product_id, policy, quantity in ProductPlanning.objects.filter(company=company).values_list(
                "product_id", "policy", "lot_quantity"
            )
        }

    def components(self, bom: Bom, quantity: Decimal) -> list[tuple[Product, Decimal]]:
        """``manufacturing.queries.components_of``, once per BOM and quantity."""
        key = (bom.pk, quantity)
        found = self._components.get(key)
        if found is None:
            found = self._components[key] = manufacturing.components_of(bom, quantity, self.book)
        return found

    def buying_days(self, product_id: int) -> int:
        """The shortest supplier lead time of the product valid today (0 without a supplier)."""
        return self.leads.get(product_id, (0, None))[0]

    def making_days(self, product_id: int, quantity: Decimal) -> int:
        """The days from today to make ``quantity`` of the product by its bill of materials begun
        today, on its centres' working days whatever the load (0 without one)."""
        bom = self.book.of(product_id)
        if bom is None or bom.kind == Bom.Kind.PHANTOM:
            return 0
        key = (bom.pk, quantity)
        found = self._days.get(key)
        if found is None:
            finish = self.load.finish_after(operations(bom, quantity), self.today)
            found = self._days[key] = (finish - self.today).days
        return found

    def _day(self, day: datetime.date | None) -> datetime.date:
        return max(day or self.today, self.today)

    def _on_hand(self, company: Company) -> None:
        rows = (
            Quant.objects.filter(company=company, location_id__in=list(self.warehouse_of))
            .values("product_id", "location_id")
            .annotate(total=Sum("quantity"))
            .values_list("product_id", "location_id", "total")
        )
        stock: dict[Key, Decimal] = defaultdict(lambda: ZERO)
        for product_id, location_id, total in rows:
            stock[(product_id, self.warehouse_of[location_id])] += total or ZERO
        for key, total in stock.items():
            if total > 0:
                self.supplies[key].append(Supply(self.today, total))

    def _moves(self, company: Company) -> dict[tuple[int, int, datetime.date], Decimal]:
        """Open moves in and out; returns what goes to customers per product, warehouse and month."""
        inside = list(self.warehouse_of)
        rows = (
            Move.objects.filter(company=company, transfer__state__in=OPEN_STATES, expected_date__lte=self.end)
            .filter(Q(dest_location_id__in=inside) | Q(source_location_id__in=inside))
            .values_list(
                "pk",
                "product_id",
                "source_location_id",
                "dest_location_id",
                "expected_date",
                "quantity",
                "transfer__number",
                "transfer_id",
                "transfer__origin",
            )
        )
        shipped: dict[tuple[int, int, datetime.date], Decimal] = defaultdict(lambda: ZERO)
        for pk, product_id, source, dest, day, quantity, number, transfer_id, origin in rows.iterator(
            chunk_size=5000
        ):
            into, out_of = self.warehouse_of.get(dest), self.warehouse_of.get(source)
            if into == out_of:
                continue
            if out_of is not None:
                self.demands[(product_id, out_of)].append((self._day(day), quantity, pk))
                self.demand_lines += 1
                if dest in self.customers:
                    shipped[(product_id, out_of, day.replace(day=1))] += quantity
            if into is not None:
                bought = source in self.vendors
                reference = number or f"#{transfer_id}"
                if bought and origin:  # a purchase order's receipt: the order is what is rescheduled
                    reference = f"{reference} ({origin})"
                lead = self.buying_days(product_id) if bought else 0
                self.supplies[(product_id, into)].append(Supply(self._day(day), quantity, reference, lead))
        return shipped

    def _orders(self, company: Company) -> None:
        orders = list(
            ManufacturingOrder.objects.filter(
                company=company,
                state__in=OPEN_MO_STATES,
                warehouse_id__in=list(set(self.warehouse_of.values())),
            ).values_list(
                "pk",
                "product_id",
                "warehouse_id",
                "quantity",
                "planned_finish",
                "due_date",
                "number",
                "state",
                "bom_id",
            )
        )
        started = [row[0] for row in orders if row[7] == "in_progress"]
        made = (
            dict(
                Production.objects.filter(order_id__in=started)
                .values("order_id")
                .annotate(total=Sum("quantity"))
                .values_list("order_id", "total")
            )
            if started
            else {}
        )
        for pk, product_id, warehouse_id, quantity, finish, due, number, state, _bom in orders:
            left = quantity - (made.get(pk) or ZERO)
            day = finish.date() if finish is not None else due
            if left > 0 and day <= self.end:
                # a running or scheduled order keeps its date; one not scheduled may miss it
                self.supplies[(product_id, warehouse_id)].append(
                    Supply(
                        self._day(day),
                        left,
                        number or f"MO #{pk}",
                        self.making_days(product_id, left),
                        committed=finish is not None or state == "in_progress",
                    )
                )
            bom = self.book.of(product_id) if state == "draft" else None
            if bom is not None and bom.kind != Bom.Kind.PHANTOM:  # confirmed ones have their moves
                start = self._day(self.load.start_before(operations(bom, quantity), due))
                for component, needed in manufacturing.components_of(bom, quantity, self.book):
                    self.demands[(component.pk, warehouse_id)].append((start, needed, None))
                    self.demand_lines += 1

    def _purchases(self, company: Company) -> None:
        default = self.default_warehouse
        requests = PurchaseRequest.objects.filter(
            company=company, state=PurchaseRequest.State.OPEN
        ).values_list(
            "pk", "product_id", "warehouse_id", "quantity", "uom__factor", "product__uom__factor", "needed_by"
        )
        for pk, product_id, warehouse_id, quantity, factor, product_factor, needed in requests:
            warehouse = warehouse_id or default
            if warehouse is not None and (needed is None or needed <= self.end):
                self.supplies[(product_id, warehouse)].append(
                    Supply(
                        self._day(needed),
                        quantity * factor / product_factor,
                        f"PR #{pk}",
                        self.buying_days(product_id),
                    )
                )
        lines = PurchaseOrderLine.objects.filter(
            order__company=company, order__state__in=PENDING_ORDER_STATES
        ).values_list(
            "order_id",
            "order__number",
            "product_id",
            "order__warehouse_id",
            "quantity",
            "uom__factor",
            "product__uom__factor",
            "expected_date",
        )
        for order_id, number, product_id, warehouse_id, quantity, factor, product_factor, expected in lines:
            warehouse = warehouse_id or default
            if warehouse is not None and (expected is None or expected <= self.end):
                self.supplies[(product_id, warehouse)].append(
                    Supply(
                        self._day(expected),
                        quantity * factor / product_factor,
                        number or f"RFQ #{order_id}",
                        self.buying_days(product_id),
                    )
                )

    def _firm(self, company: Company) -> None:
        """Firm planned orders are supply MRP keeps; a made one wants its components."""
        rows = PlannedOrder.objects.filter(company=company, state=PlannedOrder.State.FIRM).values_list(
            "pk", "product_id", "warehouse_id", "kind", "quantity", "start_date", "due_date"
        )
        for pk, product_id, warehouse_id, kind, quantity, start, due in rows:
            if due > self.end:
                continue
            lead = (
                self.making_days(product_id, quantity)
                if kind == PlannedOrder.Kind.MAKE
                else self.buying_days(product_id)
            )
            self.supplies[(product_id, warehouse_id)].append(
                Supply(self._day(due), quantity, f"MRP #{pk}", lead)
            )
            bom = self.book.of(product_id) if kind == PlannedOrder.Kind.MAKE else None
            if bom is not None and bom.kind != Bom.Kind.PHANTOM:
                self.load.place(operations(bom, quantity), due)  # its work holds its centres' hours
                for component, needed in manufacturing.components_of(bom, quantity, self.book):
                    self.demands[(component.pk, warehouse_id)].append((self._day(start), needed, None))
                    self.demand_lines += 1

    def _floors(self, company: Company) -> None:
        floors: dict[Key, Decimal] = defaultdict(lambda: ZERO)
        rules = ReorderRule.objects.filter(company=company, active=True).values_list(
            "product_id", "warehouse_id", "min_quantity", "safety_stock"
        )
        for product_id, warehouse_id, low, safety in rules:
            if warehouse_id in self.warehouse_of.values():
                floors[(product_id, warehouse_id)] += low + safety
        if self.default_warehouse is not None:
            own = ProductPlanning.objects.filter(company=company, safety_stock__gt=0).values_list(
                "product_id", "safety_stock"
            )
            for product_id, safety in own:
                floors[(product_id, self.default_warehouse)] += safety
        for key, floor in floors.items():
            if floor > 0:
                self.demands[key].append((self.today, floor, None))

    def _forecasts(self, company: Company, shipped: dict[tuple[int, int, datetime.date], Decimal]) -> None:
        first = self.today.replace(day=1)
        active = set(self.warehouse_of.values())
        rows = Forecast.objects.filter(
            company=company, month__gte=first, month__lte=self.end, warehouse_id__in=list(active)
        ).values_list("product_id", "warehouse_id", "month", "quantity")
        for product_id, warehouse_id, month, quantity in rows:
            left = quantity - shipped.get((product_id, warehouse_id, month), ZERO)
            if left > 0:
                self.demands[(product_id, warehouse_id)].append((self._day(month), left, None))
                self.demand_lines += 1


def low_level_codes(book: manufacturing.BomBook) -> dict[int, int]:
    """Each product's lowest level in any bill of materials (0: used in none), kits seen through."""
    children: dict[int, set[int]] = {}
    for product_id, bom in book.by_product.items():
        children[product_id] = {p.pk for p, _q in manufacturing.components_of(bom, bom.quantity, book)}
    parents: dict[int, int] = defaultdict(int)
    for kids in children.values():
        for kid in kids:
            parents[kid] += 1
    level: dict[int, int] = defaultdict(int)
    ready = [p for p in children if parents[p] == 0]
    while ready:
        product_id = ready.pop()
        for kid in children.get(product_id, ()):
            level[kid] = max(level[kid], min(level[product_id] + 1, MAX_LEVELS))
            parents[kid] -= 1
            if parents[kid] == 0:
                ready.append(kid)
    return dict(level)


def plan(
    company: Company,
    today: datetime.date,
    horizon_days: int,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """The planned orders and exceptions of a run (see the module's description)."""
    found = Plan()
    inputs = _Inputs(company, today, today + datetime.timedelta(days=horizon_days))
    book = inputs.book
    levels = low_level_codes(book)
    keys = set(inputs.demands) | {k for k, rows in inputs.supplies.items() if any(s.reference for s in rows)}
    product_ids = {product_id for product_id, _w in keys} | {
        line.product_id for bom in book.by_product.values() for line in bom.lines.all()
    }
    products = Product.objects.filter(company=company)
    if len(product_ids) <= 2000:
        products = products.filter(pk__in=list(product_ids))
    rounding = dict(products.values_list("pk", "uom__rounding"))
    by_level: dict[int, set[Key]] = defaultdict(set)
    for key in keys:
        by_level[levels.get(key[0], 0)].add(key)
    found.demand_lines = inputs.demand_lines
    planned_products: set[int] = set()
    done: set[Key] = set()
    level = 0
    while by_level and level <= max(by_level):
        for key in sorted(by_level.get(level, ())):
            if key[0] in planned_products and key in done:
                continue  # netted once, at its lowest level
            done.add(key)
            planned_products.add(key[0])
            _net_one(inputs, key, level, levels, by_level, rounding, found)
        level += 1
        if progress is not None:
            progress(level, max(by_level) + 1)
    found.products = len(planned_products)
    return found


def _net_one(
    inputs: _Inputs,
    key: Key,
    level: int,
    levels: dict[int, int],
    by_level: dict[int, set[Key]],
    rounding: dict[int, Decimal],
    found: Plan,
) -> None:
    product_id, warehouse_id = key
    book = inputs.book
    bom = book.of(product_id)
    made = bom is not None and bom.kind != Bom.Kind.PHANTOM
    policy, lot = inputs.sizing.get(product_id, (ProductPlanning.Policy.LOT_FOR_LOT, ZERO))
    step = rounding.get(product_id) or ZERO
    lead_days, partner_id = inputs.leads.get(product_id, (0, None))

    def size(need: Decimal) -> Decimal:
        return lot_size(need, policy, lot, step)

    timing = inputs.load.timing(bom) if made and bom is not None else offset(lead_days, inputs.today)
    period = int(lot) if policy == ProductPlanning.Policy.PERIOD else 0
    result = net(
        inputs.demands.get(key, []), inputs.supplies.get(key, []), inputs.today, size, timing, period
    )
    index: dict[int, int] = {}
    for n, row in enumerate(result.planned):
        if bom is not None:  # made (or a kit, seen through): the components are wanted at the start
            wanting = ForOrder(len(found.orders))  # by this order, once released
            for component, needed in inputs.components(bom, row.quantity):
                child = (component.pk, warehouse_id)
                if made:
                    inputs.demands[child].append((row.start, needed, wanting))
                else:  # a kit: its components are wanted by what wanted the kit, in proportion
                    for peg, part in share(needed, row.quantity, row.pegs):
                        inputs.demands[child].append((row.need, part, peg))
                by_level[max(levels.get(component.pk, 0), level + 1)].add(child)
            if not made:
                continue
        index[n] = len(found.orders)
        peg = row.pegged
        found.orders.append(
            OrderRow(
                product_id,
                warehouse_id,
                PlannedOrder.Kind.MAKE if made else PlannedOrder.Kind.BUY,
                level,
                row.quantity,
                row.start,
                row.due,
                None if made else partner_id,
                bom.pk if made and bom is not None else None,
                peg if isinstance(peg, int) else None,
                peg.index if isinstance(peg, ForOrder) else None,
                tuple(
                    (wanted, None, quantity) if isinstance(wanted, int) else (None, wanted.index, quantity)
                    for wanted, quantity in row.pegs
                    if wanted is not None
                ),
            )
        )
        if not made and partner_id is None:
            found.exceptions.append(
                ExceptionRow(
                    product_id, warehouse_id, Kind.NO_SOURCE, row.quantity, "", row.due, row.need, index[n]
                )
            )
    for notice in result.notices:
        found.exceptions.append(
            ExceptionRow(
                product_id,
                warehouse_id,
                notice.kind,
                notice.quantity,
                notice.reference[:64],
                notice.due,
                notice.need,
                index.get(notice.planned) if notice.planned is not None else None,
            )
        )
