"""MRP's writes: start a run (a background job with progress), run it (``planning.mrp`` plans, the
run's planned orders and exceptions are written in bulk), firm, release and cancel planned
orders in bulk, and keep forecasts and lot sizing.

Releasing hands each planned order to the domain that executes it, with the days MRP planned: a
planned make becomes a confirmed manufacturing order (source MRP) through
``manufacturing.services``, due on MRP's due day and planned from its start day (until the schedule
places it finitely), made for the move
MRP pegged it to (``demand_move``, as make to order links its orders: the sale sees it) — for a
sub-assembly pegged to its parent's planned order, the parent's component move once the parent is
released (in the same release or an earlier one); planned buys
become purchase requests through ``purchasing.services`` (the supplier MRP chose, to order by its
start day, needed by its due day), bought for the
move MRP pegged them to the same way (``PurchaseRequest.demand_move``), grouped into
draft RFQs when the releaser may write purchase orders — from there purchasing's approvals apply
as to any RFQ. All of a release is one transaction: a refusal leaves nothing written.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.bulk import RowInserter
from tandem.core.errors import StaleVersion, ValidationFailed
from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.core.models import Company, User
from tandem.core.money import plain, read_decimal
from tandem.core.states import transition, transition_rows
from tandem.core.versioning import update_versioned
from tandem.inventory.models import OPEN_STATES, Move, Warehouse
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder
from tandem.planning import capacity, mrp, scheduling
from tandem.planning.models import Forecast, MrpException, MrpRun, Peg, PlannedOrder, ProductPlanning
from tandem.purchasing import services as purchasing
from tandem.purchasing.models import PurchaseOrder

BATCH = 2000
MAX_HORIZON_DAYS = 730
FORECAST_FIELDS = ["product", "warehouse", "month", "quantity"]
PLANNING_FIELDS = ["product", "policy", "lot_quantity", "safety_stock"]


def _user(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- runs ---------------------------------------------------------------------------------------


def start_mrp_run(company: Company, actor: User | None, *, horizon_days: Any = 90) -> MrpRun:
    """Queue an MRP run of the company as a background job (progress on the job's page); the run
    is "running" until the job has planned it."""
    errors: dict[str, list[str]] = {}
    try:
        days = int(horizon_days)
    except (TypeError, ValueError):
        days = 0
    if isinstance(horizon_days, bool) or not 1 <= days <= MAX_HORIZON_DAYS:
        errors["horizon_days"] = [_("Enter a horizon of 1 to %(most)s days.") % {"most": MAX_HORIZON_DAYS}]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        run = MrpRun.objects.create(company=company, horizon_days=days, started_by=_user(actor))
        job = jobs.start(
            "planning.mrp",
            user=actor,
            company=company,
            title=Message(gettext_noop("MRP run %(id)s"), {"id": run.pk}),
            params={"run": run.pk},
        )
        MrpRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
        events.record("mrprun.started", run, actor, {"horizon_days": days}, company=company)
    return run


def run_mrp(
    run: MrpRun, *, today: datetime.date | None = None, progress: jobs.Progress | None = None
) -> MrpRun:
    """Plan ``run`` and write its planned orders and exceptions in bulk; the proposals of earlier
    runs still proposed are superseded (firm and released ones stay: MRP counts them as supply),
    so the planner reviews only the newest. The run ends "done" with its counts, or "failed"
    (nothing of it written) when planning raised, which is raised again.
    The rows go in with ``core.bulk.RowInserter`` (one prepared INSERT run over every row):
    ``bulk_create`` spent half of a run rendering its statements."""
    today = today or timezone.localdate()
    began = time.monotonic()

    def advance(done: int, total: int) -> None:
        if progress is not None:
            progress.set_total(total)
            progress.set_done(done)

    try:
        with transaction.atomic():
            plan = mrp.plan(run.company, today, run.horizon_days, advance)
            inserter = RowInserter(PlannedOrder)
            ids = inserter.new_ids(len(plan.orders))  # a component's order names its parent's
            inserter.insert(
                [
                    {
                        "company_id": run.company_id,
                        "run_id": run.pk,
                        "product_id": row.product_id,
                        "warehouse_id": row.warehouse_id,
                        "kind": row.kind,
                        "level": row.level,
                        "quantity": row.quantity,
                        "start_date": row.start,
                        "due_date": row.due,
                        "partner_id": row.partner_id,
                        "bom_id": row.bom_id,
                        "demand_move_id": row.demand_move_id,
                        "parent_id": ids[row.parent] if row.parent is not None else None,
                    }
                    for row in plan.orders
                ],
                ids,
            )
            RowInserter(Peg).insert(
                [
                    {
                        "company_id": run.company_id,
                        "planned_order_id": ids[n],
                        "demand_move_id": move_id,
                        "parent_id": ids[parent] if parent is not None else None,
                        "quantity": quantity,
                    }
                    for n, row in enumerate(plan.orders)
                    for move_id, parent, quantity in row.pegs
                ]
            )
            RowInserter(MrpException).insert(
                [
                    {
                        "company_id": run.company_id,
                        "run_id": run.pk,
                        "product_id": row.product_id,
                        "warehouse_id": row.warehouse_id,
                        "kind": row.kind,
                        "reference": row.reference,
                        "planned_order_id": ids[row.order] if row.order is not None else None,
                        "quantity": row.quantity,
                        "due_date": row.due,
                        "need_date": row.need,
                    }
                    for row in plan.exceptions
                ]
            )
            superseded = transition_rows(
                PlannedOrder.objects.filter(company=run.company, run_id__lt=run.pk),
                "superseded",
                run.started_by,
            )
    except Exception:
        transition(run, "failed", run.started_by, company=run.company)
        raise
    counts = {
        "products": plan.products,
        "demand_lines": plan.demand_lines,
        "planned_orders": len(plan.orders),
        "exceptions": len(plan.exceptions),
    }
    transition(
        run,
        "done",
        run.started_by,
        fields={**counts, "milliseconds": int((time.monotonic() - began) * 1000)},
        data={**counts, "superseded": superseded},
        company=run.company,
    )
    return run


# --- planned orders ------------------------------------------------------------------------------


def _chosen(company: Company, orders: Iterable[PlannedOrder], action: str) -> list[PlannedOrder]:
    """The planned orders, locked, each checked to be the company's and able to take ``action``."""
    ids = [o.pk for o in orders]
    rows = list(
        PlannedOrder.objects.select_for_update(of=("self",))
        .filter(company=company, pk__in=ids)
        .select_related("product__uom", "warehouse", "bom", "partner", "run")
        .order_by("due_date", "id")
    )
    if len(rows) != len(set(ids)):
        raise ValidationFailed({"orders": [_("Some of these planned orders are not this company's.")]})
    wrong = [row for row in rows if row.state not in PlannedOrder.TRANSITIONS[action].sources]
    if wrong:
        raise ValidationFailed(
            {
                "orders": [
                    _("%(order)s is %(state)s: it cannot be changed so.")
                    % {"order": wrong[0], "state": wrong[0].get_state_display()}
                ]
            }
        )
    return rows


def _moved(
    company: Company,
    actor: User | None,
    rows: list[PlannedOrder],
    action: str,
    event: str,
    *,
    links: Mapping[int, Mapping[str, Any]] | None = None,
    data: Mapping[str, Any] | None = None,
) -> int:
    """Move each of the chosen ``rows`` along ``action`` (with the documents ``links`` gives it)
    and record ``event`` once for the lot: the orders moved, besides ``data``."""
    for row in rows:
        transition(row, action, actor, fields=(links or {}).get(row.pk))
    events.record(event, None, actor, {"orders": len(rows), **(data or {})}, company=company)
    return len(rows)


@transaction.atomic
def firm_orders(company: Company, actor: User | None, orders: Iterable[PlannedOrder]) -> int:
    """Firm proposed planned orders: the next runs keep them (as supply) instead of replanning."""
    rows = _chosen(company, orders, "firmed")
    return _moved(company, actor, rows, "firmed", "planning.orders_firmed")


@transaction.atomic
def cancel_orders(company: Company, actor: User | None, orders: Iterable[PlannedOrder]) -> int:
    rows = _chosen(company, orders, "cancelled")
    return _moved(company, actor, rows, "cancelled", "planning.orders_cancelled")


@dataclass
class Released:
    orders: int = 0
    manufacturing_orders: list[ManufacturingOrder] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    rfqs: list[PurchaseOrder] = field(default_factory=list)


def _component_moves(rows: list[PlannedOrder], made: Mapping[int, ManufacturingOrder]) -> dict[int, int]:
    """The move each of ``rows`` pegged to a planned order (``parent``) is for: that order's
    manufacturing order's open component move of the row's product — the order ``made`` in
    this release, or the one it was released into before. Rows whose parent is not released
    (or whose order no longer wants the product) have none."""
    return _parent_moves([(row.pk, row.product_id, row.parent_id) for row in rows], made)


def _parent_moves(
    wanted: list[tuple[int, int, int | None]], made: Mapping[int, ManufacturingOrder]
) -> dict[int, int]:
    """``{key: move}`` for each ``(key, product, parent planned order)`` of ``wanted`` whose
    parent is released: its manufacturing order's open component move of the product (see
    :func:`_component_moves`)."""
    pegged = [(key, product_id, parent_id) for key, product_id, parent_id in wanted if parent_id is not None]
    if not pegged:
        return {}
    transfers = {pk: order.components_id for pk, order in made.items()}
    earlier = {parent_id for _key, _product, parent_id in pegged} - set(transfers)
    if earlier:
        transfers.update(
            PlannedOrder.objects.filter(pk__in=earlier, manufacturing_order__isnull=False).values_list(
                "pk", "manufacturing_order__components_id"
            )
        )
    moves: dict[tuple[int, int], int] = {}
    for transfer_id, product_id, move_id in (
        Move.objects.filter(
            transfer_id__in={t for t in transfers.values() if t is not None},
            product_id__in={product_id for _key, product_id, _parent in pegged},
            transfer__state__in=OPEN_STATES,
        )
        .order_by("-id")
        .values_list("transfer_id", "product_id", "pk")
    ):
        moves[(transfer_id, product_id)] = move_id  # the first, when there are several
    found = {}
    for key, product_id, parent_id in pegged:
        move_id = moves.get((transfers.get(parent_id), product_id))  # type: ignore[arg-type]
        if move_id is not None:
            found[key] = move_id
    return found


def _carry_pegs(rows: list[PlannedOrder], made: Mapping[int, ManufacturingOrder]) -> None:
    """Write the component move on the pegs that waited for a parent planned order now released:
    the pegs of ``rows`` whose parent was released before or now, and those of any order whose
    parent is one ``made`` now (a sub-assembly released before its parent) — one read, one write."""
    waiting = list(
        Peg.objects.filter(demand_move__isnull=True, parent__isnull=False)
        .filter(Q(planned_order__in=[row.pk for row in rows]) | Q(parent__in=list(made)))
        .values_list("pk", "planned_order__product_id", "parent_id")
    )
    moves = _parent_moves(waiting, made)
    if moves:
        pegs = [Peg(pk=pk, demand_move_id=move_id) for pk, move_id in moves.items()]
        Peg.objects.bulk_update(pegs, ["demand_move_id"])


def _schedule_made(
    company: Company, actor: User | None, rows: list[PlannedOrder], made: Mapping[int, ManufacturingOrder]
) -> None:
    """Book the work of the orders just made on their work centres, finite, after the load
    already there — as the orders a sale makes to order are booked — so that each work order
    has its planned start and finish: none starts before the day MRP planned it to start (its
    components are due then), nor a sub-assembly's parent before the sub-assembly is done. An
    order without a routing keeps MRP's days."""
    today = timezone.localdate()
    made_for = {
        made[row.pk].pk: made[row.parent_id].pk
        for row in rows
        if row.pk in made and row.parent_id is not None and row.parent_id in made
    }
    ready = {
        made[row.pk].pk: capacity.day_start(max(row.start_date, today)) for row in rows if row.pk in made
    }
    scheduling.schedule_orders(company, list(made.values()), actor, made_for=made_for, ready=ready, day=today)


@transaction.atomic
def release_orders(
    company: Company, actor: User | None, orders: Iterable[PlannedOrder], *, rfqs: bool = True
) -> Released:
    """Release proposed or firm planned orders: makes into confirmed manufacturing orders (source
    MRP), buys into purchase requests and, with ``rfqs``, draft RFQs per supplier."""
    rows = _chosen(company, orders, "released")
    found = Released(orders=len(rows))
    links: dict[int, dict[str, Any]] = {}
    made: dict[int, ManufacturingOrder] = {}  # planned order → the manufacturing order it became
    for row in rows:
        if row.kind != PlannedOrder.Kind.MAKE:
            continue
        order = manufacturing.create_order(
            company,
            actor,
            product=row.product,
            quantity=row.quantity,
            bom=row.bom,
            warehouse=row.warehouse,
            due_date=row.due_date,
            source=ManufacturingOrder.Source.MRP,
            origin=str(row.run)[:64],
        )
        planned: dict[str, Any] = {  # MRP's days: started on its start, done before its due day
            "planned_start": capacity.day_start(row.start_date),
            "planned_finish": capacity.day_start(row.due_date),
        }
        if row.demand_move_id is not None:  # pegged: the order is made for that demand
            planned["demand_move_id"] = row.demand_move_id
        ManufacturingOrder.objects.filter(pk=order.pk).update(**planned)
        order = manufacturing.confirm_order(order, actor)
        found.manufacturing_orders.append(order)
        made[row.pk] = order
        links[row.pk] = {"manufacturing_order": order}
    for row_id, move_id in _component_moves([r for r in rows if r.pk in made], made).items():
        order = made[row_id]  # a sub-assembly: made for its parent's component move
        ManufacturingOrder.objects.filter(pk=order.pk).update(demand_move_id=move_id)
        order.demand_move_id = move_id
    _carry_pegs(rows, made)
    if made:
        _schedule_made(company, actor, rows, made)
    buys = [row for row in rows if row.kind == PlannedOrder.Kind.BUY]
    if buys:
        bought_for = _component_moves(buys, made)
        found.requests = purchasing.create_requests(
            company,
            actor,
            [
                purchasing.RequestData(
                    product=row.product,
                    quantity=row.quantity,
                    needed_by=row.due_date,
                    order_by=row.start_date,
                    warehouse=row.warehouse,
                    origin=str(row.run),
                    partner=row.partner,
                    demand_move_id=bought_for.get(row.pk, row.demand_move_id),
                )
                for row in buys
            ],
        )
        links.update(
            {row.pk: {"purchase_request": request} for row, request in zip(buys, found.requests, strict=True)}
        )
        if rfqs:
            found.rfqs = purchasing.create_rfqs(company, actor, found.requests).orders
    data = {
        "manufacturing_orders": [o.number for o in found.manufacturing_orders],
        "requests": len(found.requests),
        "rfqs": [o.pk for o in found.rfqs],
    }
    _moved(company, actor, rows, "released", "planning.orders_released", links=links, data=data)
    return found


# --- forecasts and lot sizing ---------------------------------------------------------------------


def _own_product(company: Company, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    product = data.get("product")
    if product is None:
        return
    if product.company_id != company.pk:
        errors["product"] = [_("This choice belongs to another company.")]
    elif product.kind == Product.Kind.SERVICE:
        errors["product"] = [_("A service is not kept in stock or made.")]


def _taken(model: type[Forecast | ProductPlanning], company: Company, current: Any, **key: Any) -> bool:
    """Whether a row of the company other than ``current`` already has ``key`` (one per product
    and month, one lot sizing per product)."""
    others = model.objects.filter(company=company, **key)
    if current is not None:
        others = others.exclude(pk=current.pk)
    return bool(others.exists())


def _unknown(fields: Mapping[str, Any], allowed: list[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})


def _forecast_warehouse(
    company: Company, warehouse: Warehouse | None, errors: dict[str, list[str]]
) -> Warehouse | None:
    """The warehouse a forecast is planned in: the one given (the company's, active), else the
    company's first active warehouse, where MRP planned every forecast before they named one."""
    if warehouse is None:
        warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
        if warehouse is None:
            errors["warehouse"] = [_("Create a warehouse first.")]
    elif warehouse.company_id != company.pk:
        errors["warehouse"] = [_("This choice belongs to another company.")]
    elif not warehouse.active:
        errors["warehouse"] = [_("This warehouse is archived.")]
    return warehouse


def _normalized_forecast(
    company: Company, fields: Mapping[str, Any], current: Forecast | None
) -> dict[str, Any]:
    _unknown(fields, FORECAST_FIELDS)
    data = dict(fields)
    errors: dict[str, list[str]] = {}
    _own_product(company, data, errors)
    if "warehouse" in data or current is None:
        data["warehouse"] = _forecast_warehouse(company, data.get("warehouse"), errors)
    if "quantity" in data:
        data["quantity"] = read_decimal(data["quantity"], "quantity", errors, least="above zero")
    if "month" in data:
        month = data["month"]
        if isinstance(month, str):
            try:
                month = datetime.date.fromisoformat(month if len(month) > 7 else f"{month}-01")
            except ValueError:
                month = None
        if not isinstance(month, datetime.date):
            errors["month"] = [_("Enter a month as YYYY-MM.")]
        else:
            data["month"] = month.replace(day=1)
    if current is None:
        for name in ("product", "month", "quantity"):
            if data.get(name) is None and name not in errors:
                errors[name] = [_("This field is required.")]
    product = data.get("product", current.product if current else None)
    warehouse = data.get("warehouse", current.warehouse if current else None)
    month = data.get("month", current.month if current else None)
    if not errors and _taken(Forecast, company, current, product=product, warehouse=warehouse, month=month):
        errors["month"] = [_("This product already has a forecast for this month in this warehouse.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_forecast(company: Company, actor: User | None, **fields: Any) -> Forecast:
    data = _normalized_forecast(company, fields, None)
    forecast = Forecast.objects.create(company=company, **data)
    events.record(
        "forecast.created",
        forecast,
        actor,
        {
            "product": forecast.product.sku,
            "warehouse": forecast.warehouse.code,
            "month": forecast.month.isoformat()[:7],
            "quantity": plain(forecast.quantity),
        },
    )
    return forecast


@transaction.atomic
def update_forecast(
    forecast: Forecast, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Forecast:
    data = _normalized_forecast(forecast.company, fields, forecast)
    return update_versioned(
        forecast, actor, data, expected_version=expected_version, event="forecast.updated"
    )


@transaction.atomic
def delete_forecast(forecast: Forecast, actor: User | None, *, expected_version: int | None = None) -> None:
    locked = Forecast.objects.select_for_update().get(pk=forecast.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    events.record(
        "forecast.deleted",
        None,
        actor,
        {
            "product": locked.product.sku,
            "warehouse": locked.warehouse.code,
            "month": locked.month.isoformat()[:7],
        },
        company=locked.company,
    )
    locked.delete()


def _normalized_planning(
    company: Company, fields: Mapping[str, Any], current: ProductPlanning | None
) -> dict[str, Any]:
    _unknown(fields, PLANNING_FIELDS)
    data = dict(fields)
    errors: dict[str, list[str]] = {}
    _own_product(company, data, errors)
    for name in ("lot_quantity", "safety_stock"):
        if name in data:
            data[name] = read_decimal(data[name], name, errors, least="zero")
    if "policy" in data and data["policy"] not in ProductPlanning.Policy.values:
        errors["policy"] = [_("Choose a lot-sizing policy.")]
    policy = data.get("policy", current.policy if current else ProductPlanning.Policy.LOT_FOR_LOT)
    lot = data.get("lot_quantity", current.lot_quantity if current else mrp.ZERO)
    if policy == ProductPlanning.Policy.MULTIPLE and "lot_quantity" not in errors and lot <= 0:
        errors["lot_quantity"] = [_("Order in multiples above zero.")]
    if policy == ProductPlanning.Policy.PERIOD and "lot_quantity" not in errors and (lot < 1 or lot % 1):
        errors["lot_quantity"] = [_("Enter the days of supply as a whole number of days.")]
    if current is None and data.get("product") is None and "product" not in errors:
        errors["product"] = [_("This field is required.")]
    product = data.get("product")
    if not errors and product is not None and _taken(ProductPlanning, company, current, product=product):
        errors["product"] = [_("This product already has its lot sizing.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_product_planning(company: Company, actor: User | None, **fields: Any) -> ProductPlanning:
    data = _normalized_planning(company, fields, None)
    row = ProductPlanning.objects.create(company=company, **data)
    events.record(
        "productplanning.created",
        row,
        actor,
        {"product": row.product.sku, "policy": row.policy, "lot_quantity": plain(row.lot_quantity)},
    )
    return row


@transaction.atomic
def update_product_planning(
    row: ProductPlanning, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> ProductPlanning:
    data = _normalized_planning(row.company, fields, row)
    return update_versioned(
        row, actor, data, expected_version=expected_version, event="productplanning.updated"
    )
