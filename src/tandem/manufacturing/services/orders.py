"""Manufacturing orders: create, confirm (reserve the components through inventory, a work order
per operation, a check per quality point), start, produce (consume and make, valued), finish
(a backorder for what is left), cancel, and scrap.

Stock moves only through ``inventory.services``: the components of an order are one internal
transfer from the warehouse's stock to the production location, confirmed and reserved when
the order is; producing validates what it consumes of it (inventory leaves the rest on a
backorder transfer, still reserved, which the order then follows) and brings the goods made
from production into stock with a transfer of their own, each unit valued at its actual cost:
the components' value out of stock plus the labour and overhead of the time worked. Both
transfers are valued and booked by inventory's valuation, so the stock accounts and the stock
value stay equal: the components go into work in progress, the goods made come out of it, and
the labour they are valued at is absorbed into it (``valuation.absorb_production_costs``), so
it clears with each production."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import plain, round_money
from tandem.core.sequences import next_number
from tandem.core.states import transition
from tandem.core.versioning import update_versioned
from tandem.inventory import services as inventory
from tandem.inventory.models import Location, Lot, Move, MoveLine, Transfer, ValuationLayer, Warehouse
from tandem.inventory.services import valuation
from tandem.inventory.services.common import parse_quantity
from tandem.manufacturing import queries
from tandem.manufacturing.models import (
    Bom,
    ManufacturingOrder,
    Production,
    QualityCheck,
    QualityPoint,
    Scrap,
    WorkLog,
    WorkOrder,
)
from tandem.manufacturing.services.common import refused, user_of

ZERO = Decimal(0)
S = ManufacturingOrder.State
ORDER_FIELDS = [
    "product", "quantity", "bom", "warehouse", "due_date", "source", "origin", "reference", "lot_name",
    "notes",
]  # fmt: skip
EDITABLE = {S.DRAFT}
OPEN_WORK = [WorkOrder.State.PENDING, WorkOrder.State.IN_PROGRESS, WorkOrder.State.PAUSED]


def _locked(order: ManufacturingOrder) -> ManufacturingOrder:
    return (
        ManufacturingOrder.objects.select_for_update(of=("self",))  # not the product, its unit, the warehouse
        .select_related("product__uom", "warehouse", "bom")
        .get(pk=order.pk)
    )


# --- creating ------------------------------------------------------------------------------------


def _normalized(
    company: Company, fields: Mapping[str, Any], current: ManufacturingOrder | None
) -> dict[str, Any]:
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    for name in ("product", "bom", "warehouse"):
        obj = data.get(name)
        if obj is not None and obj.company_id != company.pk:
            errors[name] = [_("This choice belongs to another company.")]
    if "quantity" in data:
        number = parse_quantity(data["quantity"])
        if number is None:
            errors["quantity"] = [_("Enter the quantity as a decimal number.")]
        elif number <= 0:
            errors["quantity"] = [_("A quantity is more than zero.")]
        else:
            data["quantity"] = number
    if "source" in data and data["source"] not in ManufacturingOrder.Source.values:
        errors["source"] = [_("Choose where the order comes from.")]
    product: Product | None = data.get("product", current.product if current else None)
    if product is not None and "product" not in errors:
        if product.kind == Product.Kind.SERVICE:
            errors["product"] = [_("A service is not manufactured.")]
        elif "quantity" in data and "quantity" not in errors:
            rounding = product.uom.rounding
            if rounding and data["quantity"] % rounding:
                errors["quantity"] = [
                    _("%(product)s is counted in steps of %(step)s %(unit)s.")
                    % {"product": product.name, "step": plain(rounding), "unit": product.uom.code}
                ]
    due = data.get("due_date", current.due_date if current else None) or timezone.localdate()
    if product is not None and not errors:
        bom: Bom | None = data.get("bom", current.bom if current and "product" not in data else None)
        if bom is None:
            bom = queries.bom_for(product, due)
            if bom is None:
                errors["bom"] = [
                    _("%(product)s has no bill of materials valid on %(day)s.")
                    % {"product": product.name, "day": due}
                ]
        elif bom.product_id != product.pk:
            errors["bom"] = [_("This bill of materials makes another product.")]
        if bom is not None and "bom" not in errors:
            if bom.kind == Bom.Kind.PHANTOM:
                errors["bom"] = [_("A kit is not manufactured: its components are used wherever it is.")]
            data["bom"] = bom
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_order(company: Company, actor: User | None, **fields: Any) -> ManufacturingOrder:
    """A draft order to make ``quantity`` of ``product`` by ``due_date``; the BOM is the one valid
    that day unless given, the warehouse the company's first unless given."""
    missing = {
        n: [_("This field is required.")] for n in ("product", "quantity") if fields.get(n) in (None, "")
    }
    if missing:
        raise ValidationFailed(missing)
    data = _normalized(company, fields, None)
    data.setdefault("warehouse", None)
    if data["warehouse"] is None:
        data["warehouse"] = inventory.default_warehouse(company)
    if not data.get("due_date"):
        data["due_date"] = timezone.localdate()
    order = ManufacturingOrder.objects.create(
        company=company, routing=data["bom"].routing, created_by=user_of(actor), **data
    )
    events.record(
        "mo.created",
        order,
        actor,
        {
            "product": order.product.sku,
            "quantity": str(order.quantity),
            "source": order.source,
            "origin": order.origin,
        },
    )
    return order


@transaction.atomic
def update_order(
    order: ManufacturingOrder, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> ManufacturingOrder:
    """Change a draft order."""
    if order.state not in EDITABLE:
        raise refused(order)
    data = _normalized(order.company, fields, order)
    if "bom" in data:
        data["routing"] = data["bom"].routing
    return update_versioned(order, actor, data, expected_version=expected_version, event="mo.updated")


@transaction.atomic
def delete_draft(order: ManufacturingOrder, actor: User | None = None) -> None:
    """Delete an order never confirmed (a confirmed one has a number and moved stock: cancel it)."""
    order = _locked(order)
    if order.state != S.DRAFT:
        raise BusinessError(_("Only a draft is deleted; cancel this order instead."))
    events.record("mo.deleted", order, actor, {"product": order.product.sku, "quantity": str(order.quantity)})
    order.delete()


# --- confirming -----------------------------------------------------------------------------------


def _production_location(company: Company) -> Location:
    return inventory.virtual_location(company, Location.Kind.PRODUCTION)


@transaction.atomic
def confirm_order(order: ManufacturingOrder, actor: User | None = None) -> ManufacturingOrder:
    """Number the order, reserve its components in the warehouse's stock (what is missing leaves
    the components transfer waiting), add a work order per operation of its routing and a check
    per quality point of its product, and note its standard cost."""
    order = _locked(order)
    if order.state != S.DRAFT:
        raise refused(order)
    company = order.company
    book = queries.BomBook(company.pk, order.due_date)
    book.by_product[order.product_id] = (
        Bom.objects.select_related("routing")
        .prefetch_related("lines__product__uom", "lines__uom")
        .get(pk=order.bom_id)
    )
    components = queries.components_of(book.by_product[order.product_id], order.quantity, book)
    if not components:
        raise BusinessError(_("The bill of materials has no components."))
    warehouse: Warehouse = order.warehouse
    number = next_number(company, f"{warehouse.code}/MO")
    transfer = inventory.create_transfer(
        company,
        Transfer.Kind.INTERNAL,
        [inventory.MoveSpec(product, quantity, None, order.due_date) for product, quantity in components],
        warehouse=warehouse,
        source_location=warehouse.stock_location,
        dest_location=_production_location(company),
        scheduled_date=order.due_date,
        origin=number,
        actor=actor,
    )
    shortages = inventory.reserve(transfer, actor)
    work_orders = _add_work_orders(order)
    _add_checks(order, work_orders)
    standard = queries.roll_up(order.product, order.due_date).unit_cost
    transition(
        order,
        "confirmed",
        actor,
        fields={"number": number, "components": transfer, "standard_cost": standard},
        data={"number": number, "short": len(shortages)},
    )
    return order


def _add_work_orders(order: ManufacturingOrder) -> dict[int, WorkOrder]:
    if order.routing_id is None:
        return {}
    made = {}
    for operation in order.routing.operations.select_related("work_centre").order_by("sequence", "id"):  # type: ignore[union-attr]
        minutes = operation.setup_minutes + operation.run_minutes * order.quantity
        made[operation.pk] = WorkOrder.objects.create(
            company_id=order.company_id,
            order=order,
            operation=operation,
            sequence=operation.sequence,
            name=operation.name,
            work_centre=operation.work_centre,
            planned_minutes=minutes.quantize(queries.QTY, ROUND_HALF_UP),
        )
    return made


def _add_checks(order: ManufacturingOrder, work_orders: Mapping[int, WorkOrder]) -> None:
    points = QualityPoint.objects.filter(
        company_id=order.company_id, product_id=order.product_id, active=True
    )
    checks = []
    for point in points.order_by("id"):
        if point.operation_id is not None and point.operation_id not in work_orders:
            continue  # a point of an operation this order's routing does not have
        checks.append(
            QualityCheck(
                company_id=order.company_id,
                order=order,
                point=point,
                work_order=work_orders.get(point.operation_id) if point.operation_id else None,
            )
        )
    QualityCheck.objects.bulk_create(checks)


@transaction.atomic
def reserve_components(order: ManufacturingOrder, actor: User | None = None) -> list[inventory.Shortage]:
    """Try again to reserve what the order still lacks (after a receipt, or another order made
    it); what is still missing."""
    order = _locked(order)
    if order.state not in (S.CONFIRMED, S.IN_PROGRESS):
        raise refused(order)
    components = Transfer.objects.filter(pk=order.components_id).first() if order.components_id else None
    if components is None or not components.is_open:
        return []
    return inventory.reserve(components, actor)


# --- starting and producing ----------------------------------------------------------------------


@transaction.atomic
def start_order(order: ManufacturingOrder, actor: User | None = None) -> ManufacturingOrder:
    """Production begins (also when its first work order starts or something is produced)."""
    order = _locked(order)
    if order.state != S.CONFIRMED:
        raise refused(order)
    return transition(order, "started", actor)  # type: ignore[return-value]


def _consumption(
    order: ManufacturingOrder, quantity: Decimal, remaining: Decimal, consumed: Mapping[int, Any] | None
) -> dict[int, Decimal]:
    """What of each open component move producing ``quantity`` takes (the move's unit): its share
    of what is left to make, rounded up to its unit; ``consumed`` = {product id: quantity in the
    product's unit} overrides it."""
    moves = list(Move.objects.filter(transfer=order.components).select_related("product__uom"))
    by_product = {m.product_id: m for m in moves}
    if consumed:
        errors: dict[str, list[str]] = {}
        for product_id in consumed:
            if int(product_id) not in by_product:
                errors.setdefault("consumed", []).append(
                    _("Product %(id)s is not a component left to consume.") % {"id": product_id}
                )
        if errors:
            raise ValidationFailed(errors)
    done: dict[int, Decimal] = {}
    for move in moves:
        if consumed and move.product_id in {int(k) for k in consumed}:
            value = next(v for k, v in consumed.items() if int(k) == move.product_id)
            number = parse_quantity(value)
            if number is None or number < 0:
                raise ValidationFailed({"consumed": [_("Enter a quantity of zero or more.")]})
            done[move.pk] = number
        elif quantity >= remaining:
            done[move.pk] = move.quantity
        else:
            done[move.pk] = min(
                move.quantity, queries.round_up(move.quantity * quantity / remaining, move.product.uom)
            )
    return done


def produce(
    order: ManufacturingOrder,
    actor: User | None = None,
    quantity: Any = None,
    *,
    consumed: Mapping[int, Any] | None = None,
    lot: str | None = None,
) -> Production:
    """Make ``quantity`` (all that is left if None): consume the components' share of it from the
    reserved stock (``consumed`` per product id overrides), bring the goods made into stock valued
    at the components' value plus the labour of the time worked so far, by-products with their
    share of it. Lots of tracked components are those reserved; the goods made get ``lot`` (the
    order's lot, else its number). Nothing is written when anything is refused."""
    with transaction.atomic():
        return _produce(order, actor, quantity, consumed, lot)


def _produce(
    order: ManufacturingOrder,
    actor: User | None,
    quantity: Any,
    consumed: Mapping[int, Any] | None,
    lot: str | None,
) -> Production:
    order = _locked(order)
    if order.state not in (S.CONFIRMED, S.IN_PROGRESS):
        raise refused(order)
    made = queries.produced(order)
    remaining = order.quantity - made
    if quantity in (None, ""):
        wanted = remaining
    else:
        parsed = parse_quantity(quantity)
        if parsed is None:
            raise ValidationFailed({"quantity": [_("Enter the quantity as a decimal number.")]})
        wanted = parsed
    if wanted <= 0:
        raise ValidationFailed({"quantity": [_("A quantity is more than zero.")]})
    if wanted > remaining:
        raise ValidationFailed(
            {
                "quantity": [
                    _("Only %(left)s %(unit)s are left to make.")
                    % {"left": plain(remaining), "unit": order.product.uom.code}
                ]
            }
        )
    if order.state == S.CONFIRMED:
        transition(order, "started", actor)
    company = order.company
    consumption = None
    component_value = ZERO
    if order.components_id is not None:
        done = _consumption(order, wanted, remaining, consumed)
        if any(done.values()):
            consumption = Transfer.objects.get(pk=order.components_id)
            inventory.validate_transfer(consumption, {pk: q for pk, q in done.items() if q > 0}, actor)
            component_value = _consumed_value(consumption)
    labour_total = round_money(queries.labour_cost(order), company.currency)
    labour = max(labour_total - sum((p.labour_value for p in order.productions.all()), ZERO), ZERO)
    value = component_value + labour
    output = _bring_in(order, wanted, value, actor, lot)
    valuation.absorb_production_costs(consumption, output, actor)  # work in progress clears
    production = Production.objects.create(
        company=company, order=order, quantity=wanted, consumption=consumption, output=output,
        component_value=component_value, labour_value=labour, value=value, produced_by=user_of(actor),
        lot=_produced_lot(output, order),
    )  # fmt: skip
    follow = consumption.backorders.order_by("-id").first() if consumption is not None else None
    if consumption is not None:
        ManufacturingOrder.objects.filter(pk=order.pk).update(components=follow)
    events.record(
        "mo.produced",
        order,
        actor,
        {
            "quantity": str(wanted),
            "value": str(value),
            "components": str(component_value),
            "labour": str(labour),
        },
    )
    return production


def _consumed_value(transfer: Transfer) -> Decimal:
    """The components' value out of stock (their layers); at what they cost now when the
    company does not value its stock."""
    if ValuationLayer.objects.filter(move__transfer=transfer).exists():
        return queries.consumed_value(transfer.pk)
    moves = transfer.moves.select_related("product").filter(quantity_done__gt=0)
    total = sum((m.quantity_done * queries.bought_cost(m.product) for m in moves), ZERO)
    return round_money(total, transfer.company.currency)


def _bring_in(
    order: ManufacturingOrder, quantity: Decimal, value: Decimal, actor: User | None, lot: str | None
) -> Transfer:
    company = order.company
    bom = order.bom
    batches = quantity / bom.quantity
    byproducts = list(bom.byproducts.select_related("product__uom", "uom"))
    shares = sum((b.cost_share for b in byproducts), ZERO)
    main_value = value * (1 - shares / 100)
    lines = [
        inventory.MoveSpec(
            order.product, quantity, None, None, None, (main_value / quantity).quantize(queries.COST)
        )
    ]
    for byproduct in byproducts:
        amount = queries.round_up(
            queries.in_product_unit(byproduct.quantity, byproduct.uom, byproduct.product.uom) * batches,
            byproduct.product.uom,
        )
        lines.append(
            inventory.MoveSpec(
                byproduct.product,
                amount,
                None,
                None,
                None,
                (value * byproduct.cost_share / 100 / amount).quantize(queries.COST),
            )
        )
    output = inventory.create_transfer(
        company,
        Transfer.Kind.INTERNAL,
        lines,
        warehouse=order.warehouse,
        source_location=_production_location(company),
        dest_location=order.warehouse.stock_location,
        origin=order.number,
        actor=actor,
    )
    lots: dict[int, Any] = {}
    for move in output.moves.select_related("product"):
        if move.product.tracking != Product.Tracking.NONE:
            if move.product_id == order.product_id:
                lots[move.pk] = lot or order.lot_name or order.number
            else:
                lots[move.pk] = f"{order.number}-{move.product.sku}"[:64]
    inventory.validate_transfer(output, None, actor, lots=lots)
    return output


def _produced_lot(output: Transfer, order: ManufacturingOrder) -> Lot | None:
    line = (
        MoveLine.objects.filter(move__transfer=output, product_id=order.product_id, lot__isnull=False)
        .select_related("lot")
        .first()
    )
    return line.lot if line is not None else None


# --- finishing and cancelling ----------------------------------------------------------------------


def _unpassed(order: ManufacturingOrder, work_order: WorkOrder | None = None) -> list[QualityCheck]:
    checks = order.checks.select_related("point").exclude(state=QualityCheck.State.PASSED)
    if work_order is not None:
        checks = checks.filter(work_order=work_order)
    return list(checks.order_by("id"))


def quality_gate(order: ManufacturingOrder, work_order: WorkOrder | None = None) -> None:
    """Refuse, naming the check, while a check of the order (or of the work order) has not passed."""
    for check in _unpassed(order, work_order):
        if check.state == QualityCheck.State.FAILED:
            raise BusinessError(
                _("The quality check “%(check)s” failed: it must pass before this can finish.")
                % {"check": check.point.title},
                field="checks",
            )
        raise BusinessError(
            _("The quality check “%(check)s” is still to do: it must pass before this can finish.")
            % {"check": check.point.title},
            field="checks",
        )


def close_logs(work_order: WorkOrder, when: datetime.datetime | None = None) -> None:
    WorkLog.objects.filter(work_order=work_order, ended_at__isnull=True).update(
        ended_at=when or timezone.now()
    )


@transaction.atomic
def finish_order(order: ManufacturingOrder, actor: User | None = None) -> ManufacturingOrder:
    """Close the order once something was made and every quality check passed: its work orders
    under way are done (those never begun are cancelled), the components not consumed go back
    (their reservation released), and what is left to make goes to a backorder, confirmed at once."""
    order = _locked(order)
    if order.state not in (S.CONFIRMED, S.IN_PROGRESS):
        raise refused(order)
    made = queries.produced(order)
    if made <= 0:
        raise BusinessError(_("Nothing was produced yet: produce first, or cancel the order."))
    quality_gate(order)
    for work_order in order.work_orders.filter(state__in=OPEN_WORK):
        close_logs(work_order)  # work under way is done with the order; work never begun is dropped
        transition(work_order, "cancelled" if work_order.state == WorkOrder.State.PENDING else "done", actor)
    if order.components_id is not None:
        components = Transfer.objects.get(pk=order.components_id)
        if components.is_open:
            inventory.cancel_transfer(components, actor)
        ManufacturingOrder.objects.filter(pk=order.pk).update(components=None)
    remaining = order.quantity - made
    backorder = None
    if remaining > 0:
        backorder = create_order(
            order.company, actor, product=order.product, quantity=remaining, bom=order.bom,
            warehouse=order.warehouse, due_date=order.due_date, source=order.source,
            origin=order.number, reference=order.reference, lot_name="", notes=order.notes,
        )  # fmt: skip
        ManufacturingOrder.objects.filter(pk=backorder.pk).update(backorder_of=order)
        confirm_order(backorder, actor)
    if order.state == S.CONFIRMED:
        transition(order, "started", actor)
    transition(
        order, "done", actor, data={"produced": str(made), "backorder": backorder.number if backorder else ""}
    )
    order.refresh_from_db()
    return order


@transaction.atomic
def cancel_order(order: ManufacturingOrder, actor: User | None = None) -> ManufacturingOrder:
    """Cancel an order nothing was made of: its components' reservation is released, its work stops."""
    order = _locked(order)
    if order.state not in (S.DRAFT, S.CONFIRMED, S.IN_PROGRESS):
        raise refused(order)
    if order.productions.exists():
        raise BusinessError(
            _("Part of this order was produced: finish it instead (the rest goes to a backorder).")
        )
    for work_order in order.work_orders.filter(state__in=OPEN_WORK):
        close_logs(work_order)
        transition(work_order, "cancelled", actor)
    if order.components_id is not None:
        components = Transfer.objects.get(pk=order.components_id)
        if components.is_open:
            inventory.cancel_transfer(components, actor)
    return transition(order, "cancelled", actor)  # type: ignore[return-value]


# --- scrap ---------------------------------------------------------------------------------------


@transaction.atomic
def scrap(
    order: ManufacturingOrder,
    actor: User | None,
    *,
    product: Product,
    quantity: Any,
    reason: str,
    lot: Lot | None = None,
) -> Scrap:
    """Throw away ``quantity`` of ``product`` (a component or the product made) from the order's
    warehouse, for ``reason``: moved to inventory loss and valued out of stock. A component the
    order holds reserved is taken from its reservation, which is made again for the rest."""
    order = _locked(order)
    if order.state not in (S.CONFIRMED, S.IN_PROGRESS, S.DONE):
        raise refused(order)
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why it is scrapped.")]
    number = parse_quantity(quantity)
    if number is None or number <= 0:
        errors["quantity"] = [_("A quantity is more than zero.")]
    if not isinstance(product, Product) or product.company_id != order.company_id:
        errors["product"] = [_("Choose a product of this company.")]
    if lot is not None and (
        lot.company_id != order.company_id or lot.product_id != getattr(product, "pk", None)
    ):
        errors["lot"] = [_("This lot is of another product.")]
    if errors:
        raise ValidationFailed(errors)
    company = order.company
    components = Transfer.objects.filter(pk=order.components_id).first() if order.components_id else None
    held = components is not None and components.is_open and components.moves.filter(product=product).exists()
    if held:
        inventory.unreserve(components, actor)  # type: ignore[arg-type]
    transfer = inventory.create_transfer(
        company,
        Transfer.Kind.INTERNAL,
        [inventory.MoveSpec(product, number, None, None, lot)],
        warehouse=order.warehouse,
        source_location=order.warehouse.stock_location,
        dest_location=inventory.virtual_location(company, Location.Kind.LOSS),
        origin=order.number,
        notes=reason,
        actor=actor,
    )
    inventory.validate_transfer(transfer, None, actor)
    if held:
        inventory.reserve(components, actor)  # type: ignore[arg-type]
    row = Scrap.objects.create(
        company=company, order=order, product=product, quantity=number, lot=lot, reason=reason[:200],
        transfer=transfer, created_by=user_of(actor),
    )  # fmt: skip
    events.record(
        "mo.scrapped", order, actor, {"product": product.sku, "quantity": str(number), "reason": reason[:200]}
    )
    return row
