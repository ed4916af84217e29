"""The shop floor: work orders started, paused and finished (who and how long: a
:class:`WorkLog` per stretch of work), quality checks recorded and alerts raised and closed."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import User
from tandem.core.money import plain
from tandem.core.states import transition
from tandem.inventory.models import Lot
from tandem.inventory.services.common import parse_quantity
from tandem.manufacturing.models import (
    ManufacturingOrder,
    QualityAlert,
    QualityCheck,
    QualityPoint,
    WorkLog,
    WorkOrder,
)
from tandem.manufacturing.services.common import refused, user_of
from tandem.manufacturing.services.orders import close_logs, quality_gate

RUNNING = (ManufacturingOrder.State.CONFIRMED, ManufacturingOrder.State.IN_PROGRESS)


def _locked(work_order: WorkOrder) -> WorkOrder:
    return (
        WorkOrder.objects.select_for_update(of=("self", "order"))
        .select_related("order", "work_centre")
        .get(pk=work_order.pk)
    )


def _running_order(work_order: WorkOrder) -> ManufacturingOrder:
    order = ManufacturingOrder.objects.select_for_update().get(pk=work_order.order_id)
    if order.state not in RUNNING:
        raise refused(order)
    return order


@transaction.atomic
def start_work_order(
    work_order: WorkOrder, actor: User | None = None, *, when: datetime.datetime | None = None
) -> WorkOrder:
    """Start (or resume) work: a stretch of time by ``actor`` begins; the order is in progress."""
    work_order = _locked(work_order)
    order = _running_order(work_order)
    transition(work_order, "started", actor, data={"order": order.number})
    if order.state == ManufacturingOrder.State.CONFIRMED:
        transition(order, "started", actor)
    WorkLog.objects.create(work_order=work_order, user=user_of(actor), started_at=when or timezone.now())
    return work_order


@transaction.atomic
def pause_work_order(
    work_order: WorkOrder, actor: User | None = None, *, when: datetime.datetime | None = None
) -> WorkOrder:
    """Stop the clock; the work order waits to be resumed."""
    work_order = _locked(work_order)
    _running_order(work_order)
    transition(work_order, "paused", actor, data={"order": work_order.order.number})
    close_logs(work_order, when)
    return work_order


@transaction.atomic
def finish_work_order(
    work_order: WorkOrder, actor: User | None = None, *, when: datetime.datetime | None = None
) -> WorkOrder:
    """The operation is done, once every quality check of it passed."""
    work_order = _locked(work_order)
    order = _running_order(work_order)
    quality_gate(order, work_order)
    transition(work_order, "done", actor, data={"order": order.number})
    close_logs(work_order, when)
    return work_order


# --- quality ------------------------------------------------------------------------------------


@transaction.atomic
def record_check(
    check: QualityCheck,
    actor: User | None = None,
    *,
    passed: bool | None = None,
    measured: Any = None,
    note: str = "",
) -> QualityCheck:
    """Record a check: pass or fail, or the value measured (it passes within the point's
    tolerance). A failure raises a quality alert naming the order's lot. A failed check may be
    done again once the fault is put right; the alert stays until someone closes it."""
    check = (
        QualityCheck.objects.select_for_update(of=("self", "order"))
        .select_related("point", "order__product")
        .get(pk=check.pk)
    )
    order = check.order
    if order.state not in RUNNING:
        raise refused(order)
    point = check.point
    value = None
    if point.kind == QualityPoint.Kind.MEASURE:
        value = parse_quantity(measured)
        if value is None:
            raise ValidationFailed({"measured": [_("Enter the value measured, as a decimal number.")]})
        ok = (
            point.minimum is not None
            and point.maximum is not None
            and point.minimum <= value <= point.maximum
        )
    else:
        if passed is None:
            raise ValidationFailed({"passed": [_("Say whether the check passed.")]})
        ok = bool(passed)
    note = (note or "").strip()[:200]
    transition(
        check,
        "passed" if ok else "failed",
        actor,
        fields={"measured": value, "note": note},
        data={"order": order.number, "measured": "" if value is None else str(value)},
    )
    if not ok:
        _raise_alert(check, actor, value)
    return check


def _raise_alert(check: QualityCheck, actor: User | None, value: Any) -> QualityAlert:
    order = check.order
    lot_name = order.lot_name or order.number
    lot = Lot.objects.filter(company_id=order.company_id, product_id=order.product_id, name=lot_name).first()
    point = check.point
    if value is not None:
        text = _(
            "%(check)s failed on %(order)s (lot %(lot)s): "
            "measured %(value)s, allowed %(low)s–%(high)s %(unit)s."
        ) % {
            "check": point.title, "order": order.number, "lot": lot_name, "value": plain(value),
            "low": plain(point.minimum) if point.minimum is not None else "",
            "high": plain(point.maximum) if point.maximum is not None else "", "unit": point.unit,
        }  # fmt: skip
    else:
        text = _("%(check)s failed on %(order)s (lot %(lot)s).") % {
            "check": point.title, "order": order.number, "lot": lot_name,
        }  # fmt: skip
    alert = QualityAlert.objects.create(
        company_id=order.company_id, check_failed=check, order=order, product=order.product, lot=lot,
        description=text[:300],
    )  # fmt: skip
    events.record(
        "qualityalert.raised",
        alert,
        actor,
        {"order": order.number, "product": order.product.sku, "lot": lot_name, "check": point.title},
    )
    return alert


@transaction.atomic
def close_alert(alert: QualityAlert, actor: User | None = None) -> QualityAlert:
    """The fault behind the alert was dealt with."""
    if alert.state != QualityAlert.State.OPEN:
        raise BusinessError(_("This alert is already closed."))
    return transition(alert, "closed", actor)  # type: ignore[return-value]
