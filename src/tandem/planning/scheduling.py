"""Finite forward scheduling of released manufacturing orders (the capacity page's button and
``POST /api/v1/planning/capacity/schedule/``): every open work order of a confirmed or running
order gets the planned start and finish the board gives it (``planning.capacity``), and each
order the start of its first and the finish of its last. A sub-assembly order is done before the
order it is made for starts (``capacity.released_board``), and an order not started waits for
the bought components it lacks (:func:`components_ready`: what is free on hand or coming is
shared by the orders by due date, not seen whole by each).

:func:`schedule_orders` schedules orders just released (made to order when a sale is confirmed)
the same way, after the load of every other released order, which keeps its dates: the board is
the one capable-to-promise dated the sale by, so the order gets the dates it was promised on; an
order made for another (a sub-assembly) is placed first, and the other starts when it is done.
Both lock the company's work centres, so two schedules never book the same hours."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from tandem.core import events
from tandem.core.models import Company, User
from tandem.inventory.models import OPEN_STATES, STOCKED_KINDS, Location, Move, Quant
from tandem.manufacturing.models import ManufacturingOrder, WorkCentre, WorkOrder
from tandem.planning import capacity, promise, queries


@dataclass(frozen=True)
class ScheduleResult:
    orders: int
    work_orders: int
    late: list[ManufacturingOrder]  # finishing after their due date (pk, number and due date read)


def _lock(company: Company) -> None:
    """One schedule of the company at a time: its work centres are what a schedule books."""
    list(WorkCentre.objects.select_for_update().filter(company=company).values_list("pk", flat=True))


def _write(placed: list[capacity.Placed]) -> tuple[int, list[ManufacturingOrder]]:
    """Write where the board put each order's work: (work orders written, orders finishing late).
    An order with no open work keeps the dates it had (MRP's days for an order without a
    routing)."""
    work_orders: list[WorkOrder] = []
    orders: list[ManufacturingOrder] = []
    late = []
    for row in placed:
        if not row.slots:
            continue
        for work, slot in row.slots:
            work_orders.append(WorkOrder(pk=work.pk, planned_start=slot.start, planned_finish=slot.finish))
        order = ManufacturingOrder(pk=row.pk, number=row.number, due_date=row.due)
        order.planned_start = row.slots[0][1].start
        order.planned_finish = row.slots[-1][1].finish
        if timezone.localtime(order.planned_finish).date() > row.due:
            late.append(order)
        orders.append(order)
    WorkOrder.objects.bulk_update(work_orders, ["planned_start", "planned_finish"], batch_size=500)
    ManufacturingOrder.objects.bulk_update(orders, ["planned_start", "planned_finish"], batch_size=500)
    return len(work_orders), late


def _recorded(
    company: Company, actor: User | None, orders: int, work_orders: int, late: list[ManufacturingOrder]
) -> ScheduleResult:
    events.record(
        "planning.scheduled",
        None,
        actor,
        {"orders": orders, "work_orders": work_orders, "late": [o.number for o in late]},
        company=company,
    )
    return ScheduleResult(orders, work_orders, late)


def components_ready(company: Company, day: datetime.date) -> dict[int, datetime.datetime]:
    """When each confirmed order (not started) has the bought components its transfer has not
    reserved, at the earliest. What is free of them — on hand and not reserved in the order's
    warehouse, then the open receipts into it, by date — is shared by the orders in priority order
    (by due date, as the board places them): an order gets what the ones due before it left, the
    day of the last receipt it takes, and for what nothing covers ``day`` plus its shortest
    supplier lead time (as capable-to-promise and make to order count them). A made component is
    its sub-assembly order's (``capacity.released_board``) or MRP's to plan, and what is neither
    there, coming nor from a supplier holds nothing back."""
    rows = list(
        ManufacturingOrder.objects.filter(
            company=company, state=ManufacturingOrder.State.CONFIRMED, components__isnull=False
        ).values_list("components_id", "pk", "warehouse_id", "due_date")
    )
    orders = {components: pk for components, pk, _w, _d in rows}
    warehouse_of = {pk: warehouse_id for _c, pk, warehouse_id, _d in rows}
    due_of = {pk: due for _c, pk, _w, due in rows}
    if not orders:
        return {}
    short: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    moves = (
        Move.objects.filter(transfer_id__in=list(orders))
        .values("pk", "transfer_id", "product_id", "quantity")
        .annotate(reserved=Sum("reservations__quantity"))
        .values_list("transfer_id", "product_id", "quantity", "reserved")
    )
    for transfer_id, product_id, quantity, reserved in moves:
        if quantity > (reserved or 0):
            short[orders[transfer_id]][product_id] += quantity - (reserved or 0)
    products = {product_id for lacking in short.values() for product_id in lacking}
    bought = products - queries.made_products(company, products, day) if products else set()
    if not bought:
        return {}
    free = _free_and_coming(company, bought, day)
    leads = promise.lead_times(company, bought, day)
    found = {}
    for order_id in sorted(short, key=lambda pk: (due_of[pk], pk)):
        days = []
        for product_id, missing in short[order_id].items():
            if product_id not in bought:
                continue
            came, missing = _take(free[(product_id, warehouse_of[order_id])], missing)
            if came is not None:
                days.append(came)
            if missing > 0 and product_id in leads:
                days.append(day + datetime.timedelta(days=leads[product_id]))
        if days and max(days) > day:
            found[order_id] = capacity.day_start(max(days))
    return found


@dataclass
class _Free:
    """What is free of a component from ``day`` on: on hand and not reserved, or a receipt's."""

    day: datetime.date
    quantity: Decimal


def _free_and_coming(
    company: Company, products: set[int], day: datetime.date
) -> dict[tuple[int, int], list[_Free]]:
    """Per product and warehouse, what is free of it: on hand and not reserved (on ``day``), then
    each open receipt from a supplier on its expected day (``day`` when that is past), by date.
    Two queries."""
    found: dict[tuple[int, int], list[_Free]] = defaultdict(list)
    on_hand = (
        Quant.objects.filter(company=company, product_id__in=list(products), location__kind__in=STOCKED_KINDS)
        .values("product_id", "location__warehouse_id")
        .annotate(free=Sum(F("quantity") - F("reserved")))
        .values_list("product_id", "location__warehouse_id", "free")
    )
    for product_id, warehouse_id, left in on_hand:
        if left and left > 0:
            found[(product_id, warehouse_id)].append(_Free(day, Decimal(str(left))))
    receipts = (
        Move.objects.filter(
            company=company,
            product_id__in=list(products),
            transfer__state__in=OPEN_STATES,
            source_location__kind=Location.Kind.SUPPLIER,
        )
        .order_by("expected_date", "id")
        .values_list("product_id", "dest_location__warehouse_id", "expected_date", "quantity")
    )
    for product_id, warehouse_id, expected, quantity in receipts:
        found[(product_id, warehouse_id)].append(_Free(max(expected, day), quantity))
    return found


def _take(rows: list[_Free], missing: Decimal) -> tuple[datetime.date | None, Decimal]:
    """Take up to ``missing`` from ``rows`` in their order: (the day of the last row taken from,
    what is still missing)."""
    came = None
    for row in rows:
        if missing <= 0:
            break
        part = min(row.quantity, missing)
        if part > 0:
            row.quantity -= part
            missing -= part
            came = row.day
    return came, missing


@transaction.atomic
def schedule(
    company: Company, actor: User | None = None, *, day: datetime.date | None = None
) -> ScheduleResult:
    """Schedule the company's released orders from the start of ``day`` (today) so that no
    centre's day holds more than its capacity and each operation follows the one before it."""
    day = day or timezone.localdate()
    _lock(company)
    list(ManufacturingOrder.objects.select_for_update().filter(company=company, state__in=capacity.RELEASED))
    _board, placed = capacity.released_board(company, day, ready=components_ready(company, day))
    work_orders, late = _write(placed)
    return _recorded(company, actor, len(placed), work_orders, late)


@transaction.atomic
def schedule_orders(
    company: Company,
    orders: Sequence[ManufacturingOrder],
    actor: User | None = None,
    *,
    made_for: Mapping[int, int] | None = None,
    ready: Mapping[int, datetime.datetime] | None = None,
    day: datetime.date | None = None,
) -> ScheduleResult:
    """Schedule ``orders`` (released: confirmed) from the start of ``day`` (today) after every
    other released order's work, finite like :func:`schedule`; the others keep their dates.
    ``made_for`` maps an order to the order it is made for: that one starts once it is done;
    ``ready`` is when an order's components are there at the earliest (bought ones: their lead
    time), before which it does not start."""
    day = day or timezone.localdate()
    made_for = made_for or {}
    chosen = {order.pk: order for order in orders if order.state in capacity.RELEASED}
    if not chosen:
        return ScheduleResult(0, 0, [])
    _lock(company)
    board, _placed = capacity.released_board(company, day, exclude=set(chosen))
    centres = WorkCentre.objects.filter(company=company).in_bulk()
    work: dict[int, list[capacity.Work]] = defaultdict(list)
    rows = (
        WorkOrder.objects.filter(order_id__in=list(chosen), state__in=capacity.OPEN_WORK)
        .order_by("order_id", "sequence", "id")
        .values_list("pk", "order_id", "work_centre_id", "planned_minutes")
    )
    for pk, order_id, centre_id, minutes in rows:
        work[order_id].append(capacity.Work(pk, centre_id, int(minutes * 60)))
    # what an order is made for comes after it: place the deepest sub-assemblies first
    depth: dict[int, int] = {}

    def depth_of(pk: int) -> int:
        if pk not in depth:
            parent = made_for.get(pk)
            depth[pk] = 0 if parent is None or parent not in chosen else depth_of(parent) + 1
        return depth[pk]

    starts: dict[int, datetime.datetime] = dict(ready or {})  # order → when its components are there
    placed = []
    for order in sorted(chosen.values(), key=lambda o: (-depth_of(o.pk), o.due_date, o.pk)):
        items = work[order.pk]
        slots = board.place(
            [(centres[item.centre_id], item.seconds) for item in items], starts.get(order.pk, board.begin)
        )
        placed.append(
            capacity.Placed(order.pk, order.number, order.due_date, list(zip(items, slots, strict=True)))
        )
        parent = made_for.get(order.pk)
        if slots and parent is not None:
            starts[parent] = max(starts.get(parent, board.begin), slots[-1].finish)
    work_orders, late = _write(placed)
    for row in placed:  # the callers' objects show their dates
        if row.slots:
            chosen[row.pk].planned_start = row.slots[0][1].start
            chosen[row.pk].planned_finish = row.slots[-1][1].finish
    return _recorded(company, actor, len(placed), work_orders, late)
