"""Capacity: the load of work centres day by day, and finite forward scheduling.

A work centre works ``capacity_hours`` a day on its working days (``manufacturing.queries.
is_working_day``: its weekdays, not its country's public holidays), from ``DAY_STARTS`` local
time. A work order takes its remaining time (planned minutes less the minutes already worked)
and a centre does one work order at a time.

:class:`Board` is the schedule in memory: for each centre, the next moment it is free. Placing
an order's operations (in their order: an operation starts when the one before it finished and
its centre is free) moves those moments on, so no day is loaded past its capacity.
:func:`released_board` places every released order (confirmed or in progress) from the start
of a day, in priority order (in progress first, then by due date): the scheduling service writes
that plan on the work orders (``services_capacity.schedule``), and capable-to-promise places a
new order after it (``planning.promise``).

:func:`load` is what the capacity page draws: per centre and day, the hours of the open work
orders of released orders — where the schedule put them, or while they are not scheduled on the
centre's last working day on or before their order's due date (today when it is past; an order
due on a Sunday loads the Friday) (:func:`booked`, which MRP loads its planned orders onto) —
against the day's capacity.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from tandem.core.models import Company
from tandem.manufacturing import queries as manufacturing
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre, WorkLog, WorkOrder

ZERO = Decimal(0)
DAY_STARTS = datetime.time(8)  # a centre's day begins at 8:00 (earlier when it works more than 16 hours)
SEARCH_DAYS = 3660  # a centre with no working day in ten years never frees up
RELEASED = (ManufacturingOrder.State.CONFIRMED, ManufacturingOrder.State.IN_PROGRESS)
OPEN_WORK = (WorkOrder.State.PENDING, WorkOrder.State.IN_PROGRESS, WorkOrder.State.PAUSED)


class NoWorkingDay(Exception):
    """The centre has no working day within ``SEARCH_DAYS``: nothing can be scheduled on it."""

    def __init__(self, centre: WorkCentre) -> None:
        super().__init__(str(centre))
        self.centre = centre


@dataclass(frozen=True)
class Position:
    """A moment on a centre's calendar: ``offset`` seconds into the working window of ``day``."""

    day: datetime.date
    offset: int


class Clock:
    """A work centre's calendar in seconds of work."""

    def __init__(self, centre: WorkCentre) -> None:
        self.centre = centre
        self.seconds = int(centre.capacity_hours * 3600)
        self.starts = datetime.time(min(DAY_STARTS.hour, max(0, 24 - math.ceil(centre.capacity_hours))))
        self._working: dict[datetime.date, bool] = {}

    def works(self, day: datetime.date) -> bool:
        found = self._working.get(day)
        if found is None:
            found = self._working[day] = manufacturing.is_working_day(self.centre, day)
        return found

    def capacity(self, day: datetime.date) -> int:
        """Seconds of work the centre has on ``day``."""
        return self.seconds if self.works(day) else 0

    def window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        begin = timezone.make_aware(datetime.datetime.combine(day, self.starts))
        return begin, begin + datetime.timedelta(seconds=self.capacity(day))

    def next_working(self, day: datetime.date) -> datetime.date:
        for _n in range(SEARCH_DAYS):
            if self.works(day):
                return day
            day += datetime.timedelta(days=1)
        raise NoWorkingDay(self.centre)

    def previous_working(self, day: datetime.date) -> datetime.date:
        """The last working day on or before ``day``."""
        for _n in range(SEARCH_DAYS):
            if self.works(day):
                return day
            day -= datetime.timedelta(days=1)
        raise NoWorkingDay(self.centre)

    def at(self, position: Position) -> datetime.datetime:
        return self.window(position.day)[0] + datetime.timedelta(seconds=position.offset)

    def position(self, moment: datetime.datetime) -> Position:
        """The first moment of work at or after ``moment``."""
        local = timezone.localtime(moment)
        day = local.date()
        if self.works(day):
            begin, end = self.window(day)
            if local < end:
                return Position(day, max(0, int((local - begin).total_seconds())))
        return Position(self.next_working(day + datetime.timedelta(days=1)), 0)

    def advance(self, start: Position, seconds: int) -> Position:
        """Where ``seconds`` of work begun at ``start`` (a moment of work) end."""
        day, offset = start.day, start.offset
        while True:
            room = self.capacity(day) - offset
            if seconds <= room:
                return Position(day, offset + seconds)
            seconds -= room
            day, offset = self.next_working(day + datetime.timedelta(days=1)), 0


@dataclass(frozen=True)
class Slot:
    """Where the board put one operation: ``waited`` is how long it stood ready before its
    centre was free (seconds of calendar time), so a caller sees which centre held it up."""

    centre: WorkCentre
    start: datetime.datetime
    finish: datetime.datetime
    waited: float


@dataclass
class Board:
    """For each centre, the next moment it is free; placing operations moves it on."""

    begin: datetime.datetime
    clocks: dict[int, Clock] = field(default_factory=dict)
    free: dict[int, datetime.datetime] = field(default_factory=dict)

    def clock(self, centre: WorkCentre) -> Clock:
        found = self.clocks.get(centre.pk)
        if found is None:
            found = self.clocks[centre.pk] = Clock(centre)
        return found

    def place(self, operations: Iterable[tuple[WorkCentre, int]], ready: datetime.datetime) -> list[Slot]:
        """Place operations (centre, seconds of work) one after the other from ``ready``."""
        slots = []
        for centre, seconds in operations:
            clock = self.clock(centre)
            ready = max(ready, self.begin)
            free = self.free.get(centre.pk, self.begin)
            start = clock.position(max(ready, free))
            end = clock.advance(start, seconds)
            started, finished = clock.at(start), clock.at(end)
            waited = max(0.0, (started - clock.at(clock.position(ready))).total_seconds())
            self.free[centre.pk] = finished
            slots.append(Slot(centre, started, finished, waited))
            ready = finished
        return slots

    def copy(self) -> Board:
        return Board(self.begin, self.clocks, dict(self.free))


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def remaining_seconds(work_order: WorkOrder) -> int:
    """The work left on a work order: planned less worked (prefetched logs), never below zero."""
    left = work_order.planned_minutes - manufacturing.minutes_worked(work_order.logs.all())
    return max(0, int(left * 60))


@dataclass(frozen=True)
class Work:
    """An open work order to place: ``seconds`` of work left at centre ``centre_id``."""

    pk: int
    centre_id: int
    seconds: int


@dataclass(frozen=True)
class Placed:
    """A released order (``pk``, ``number``, ``due``) and where its open work orders went."""

    pk: int
    number: str
    due: datetime.date
    slots: list[tuple[Work, Slot]]


def released_board(
    company: Company,
    day: datetime.date,
    *,
    exclude: Collection[int] = (),
    ready: Mapping[int, datetime.datetime] | None = None,
) -> tuple[Board, list[Placed]]:
    """Every released order's open work placed from the start of ``day``, in priority order (in
    progress first, then by due date), but the orders ``exclude`` names (to be placed after the
    others: ``scheduling.schedule_orders``). An order made for another (a sub-assembly: its
    ``demand_move`` is a component move of the other) is placed just before it, and the other
    starts once it is done; ``ready`` is when an order's components are there at the earliest.
    Read as plain rows in three queries: capable-to-promise reads it on every promise."""
    board = Board(day_start(day))
    ready = ready or {}
    centres = WorkCentre.objects.filter(company=company).in_bulk()
    released = ManufacturingOrder.objects.filter(company=company, state__in=RELEASED)
    work_rows = WorkOrder.objects.filter(
        order__company=company, order__state__in=RELEASED, state__in=OPEN_WORK
    )
    if exclude:
        released = released.exclude(pk__in=list(exclude))
        work_rows = work_rows.exclude(order_id__in=list(exclude))
    orders = list(
        released.values_list("pk", "number", "due_date", "state", "components_id", "demand_move__transfer_id")
    )
    parent_of = {components: pk for pk, _n, _d, _s, components, _f in orders if components is not None}
    children: dict[int, list[int]] = defaultdict(list)
    for pk, _n, _d, _s, _c, made_for in orders:
        if made_for in parent_of:
            children[parent_of[made_for]].append(pk)
    rows = work_rows.order_by("order_id", "sequence", "id").values_list(
        "pk", "order_id", "work_centre_id", "planned_minutes", "state"
    )
    work: dict[int, list[tuple[int, int, Decimal, str]]] = defaultdict(list)
    for pk, order_id, centre_id, minutes, state in rows:
        work[order_id].append((pk, centre_id, minutes, state))
    started = [pk for rows_ in work.values() for pk, _c, _m, state in rows_ if state != OPEN_WORK[0]]
    worked: dict[int, float] = defaultdict(float)
    if started:
        now = timezone.now()
        logs = WorkLog.objects.filter(work_order_id__in=started).values_list(
            "work_order_id", "started_at", "ended_at"
        )
        for work_order_id, begun, ended in logs:
            worked[work_order_id] += ((ended or now) - begun).total_seconds()
    rows_of = {row[0]: row for row in orders}
    placed: list[Placed] = []
    finish: dict[int, datetime.datetime] = {}

    def place(pk: int) -> None:
        if pk in finish:
            return
        finish[pk] = board.begin  # a link back to it (never made by a BOM) places nothing twice
        start = ready.get(pk, board.begin)
        for child in sorted(children[pk], key=lambda c: (rows_of[c][2], c)):
            place(child)
            start = max(start, finish[child])
        items = [
            Work(w, centre_id, max(0, int(minutes * 60) - int(worked[w])))
            for w, centre_id, minutes, _state in work[pk]
        ]
        slots = board.place([(centres[item.centre_id], item.seconds) for item in items], start)
        finish[pk] = slots[-1].finish if slots else start
        placed.append(Placed(pk, rows_of[pk][1], rows_of[pk][2], list(zip(items, slots, strict=True))))

    for row in sorted(orders, key=lambda o: (o[3] != RELEASED[1], o[2], o[0])):
        place(row[0])
    return board, placed


# --- the load page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayLoad:
    day: datetime.date
    capacity: Decimal  # hours
    load: Decimal  # hours

    @property
    def over(self) -> bool:
        return self.load > self.capacity

    @property
    def percent(self) -> int | None:
        if not self.capacity:
            return None
        return int((self.load / self.capacity * 100).to_integral_value())


@dataclass(frozen=True)
class CentreLoad:
    centre: WorkCentre
    days: list[DayLoad]

    @property
    def overloaded(self) -> list[DayLoad]:
        return [day for day in self.days if day.over]


def _hours(seconds: float) -> Decimal:
    return (Decimal(str(seconds)) / 3600).quantize(Decimal("0.01"))


def booked(
    company: Company, start: datetime.date, end: datetime.date, clocks: dict[int, Clock] | None = None
) -> dict[tuple[int, datetime.date], float]:
    """Seconds of the released orders' open work on each active centre and day from ``start`` to
    ``end``: where the schedule put them, or while they are not scheduled on their centre's last
    working day on or before their order's due date (its first from ``start`` when that is past).
    Two queries (the work orders, their logs)."""
    clocks = {} if clocks is None else clocks
    seconds: dict[tuple[int, datetime.date], float] = defaultdict(float)
    work = (
        WorkOrder.objects.filter(
            company=company, state__in=OPEN_WORK, order__state__in=RELEASED, work_centre__active=True
        )
        .select_related("order", "work_centre")
        .prefetch_related("logs")
    )
    for work_order in work:
        clock = clocks.get(work_order.work_centre_id)
        if clock is None:
            clock = clocks[work_order.work_centre_id] = Clock(work_order.work_centre)
        if work_order.planned_start is not None and work_order.planned_finish is not None:
            _spread(clock, work_order.planned_start, work_order.planned_finish, start, end, seconds)
        else:
            day = clock.previous_working(work_order.order.due_date)
            if day < start:
                day = clock.next_working(start)
            if day <= end:
                seconds[(clock.centre.pk, day)] += remaining_seconds(work_order)
    return seconds


def load(company: Company, start: datetime.date, days: int) -> list[CentreLoad]:
    """Hours loaded on each active centre on each of ``days`` days from ``start``, against its capacity."""
    end = start + datetime.timedelta(days=days - 1)
    centres = list(WorkCentre.objects.filter(company=company, active=True).order_by("code", "id"))
    clocks = {centre.pk: Clock(centre) for centre in centres}
    seconds = defaultdict(float, booked(company, start, end, clocks))
    found = []
    for centre in centres:
        clock = clocks[centre.pk]
        rows = []
        for offset in range(days):
            day = start + datetime.timedelta(days=offset)
            rows.append(DayLoad(day, _hours(clock.capacity(day)), _hours(seconds[(centre.pk, day)])))
        found.append(CentreLoad(centre, rows))
    return found


def _spread(
    clock: Clock,
    begin: datetime.datetime,
    finish: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
    seconds: dict[tuple[int, datetime.date], float],
) -> None:
    """Add the working time between ``begin`` and ``finish`` to each day it falls on."""
    day = max(timezone.localtime(begin).date(), start)
    last = min(timezone.localtime(finish).date(), end)
    while day <= last:
        opens, closes = clock.window(day)
        overlap = (min(closes, finish) - max(opens, begin)).total_seconds()
        if overlap > 0:
            seconds[(clock.centre.pk, day)] += overlap
        day += datetime.timedelta(days=1)
