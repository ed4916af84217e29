"""Finite forward scheduling of released manufacturing orders (the capacity page's button and
``POST /api/v1/planning/capacity/schedule/``): every open work order of a confirmed or running
order gets the planned start and finish the board gives it (``planning.capacity``), and each
order the start of its first and the finish of its last."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tandem.core import events
from tandem.core.models import Company, User
from tandem.manufacturing.models import ManufacturingOrder, WorkOrder
from tandem.planning import capacity


@dataclass(frozen=True)
class ScheduleResult:
    orders: int
    work_orders: int
    late: list[ManufacturingOrder]  # finishing after their due date (pk, number and due date read)


@transaction.atomic
def schedule(
    company: Company, actor: User | None = None, *, day: datetime.date | None = None
) -> ScheduleResult:
    """Schedule the company's released orders from the start of ``day`` (today) so that no
    centre's day holds more than its capacity and each operation follows the one before it."""
    day = day or timezone.localdate()
    list(ManufacturingOrder.objects.select_for_update().filter(company=company, state__in=capacity.RELEASED))
    _board, placed = capacity.released_board(company, day)
    work_orders: list[WorkOrder] = []
    orders: list[ManufacturingOrder] = []
    late = []
    for row in placed:
        for work, slot in row.slots:
            work_orders.append(WorkOrder(pk=work.pk, planned_start=slot.start, planned_finish=slot.finish))
        order = ManufacturingOrder(pk=row.pk, number=row.number, due_date=row.due)
        if row.slots:
            order.planned_start = row.slots[0][1].start
            order.planned_finish = row.slots[-1][1].finish
            if timezone.localtime(order.planned_finish).date() > row.due:
                late.append(order)
        orders.append(order)
    WorkOrder.objects.bulk_update(work_orders, ["planned_start", "planned_finish"], batch_size=500)
    ManufacturingOrder.objects.bulk_update(orders, ["planned_start", "planned_finish"], batch_size=500)
    events.record(
        "planning.scheduled",
        None,
        actor,
        {"orders": len(orders), "work_orders": len(work_orders), "late": [o.number for o in late]},
        company=company,
    )
    return ScheduleResult(len(orders), len(work_orders), late)
