"""Receipts of purchase orders, through ``inventory.services`` (the stock-move ledger).

Confirming an order creates its receipt (``order.receipt``); a partial receipt leaves a
backorder (inventory's), and a return of received goods takes them back out. What an order
received is read from the done moves of that chain, never stored: the same answer whether the
goods were taken in from the order's page, the API, or the warehouse's own receipt screen.

Whatever path validates a receipt, ``check_receipt`` (run on ``transfer.done``, inside its
transaction) refuses more than the ordered quantity plus the company's tolerance, and marks
the order received once no receipt of it is left open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events, money
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Event, User
from tandem.core.money import plain
from tandem.core.states import transition
from tandem.inventory import services as inventory
from tandem.inventory.models import Move, Transfer
from tandem.purchasing import queries
from tandem.purchasing.models import PurchaseOrder

ZERO = Decimal(0)


# --- creating, receiving, cancelling ----------------------------------------------------------


def create_receipt(order: PurchaseOrder, actor: User | None) -> Transfer | None:
    """The confirmed order's receipt: every stocked line, expected on its date."""
    lines = [
        line
        for line in order.lines.select_related("product", "uom").order_by("sequence", "id")
        if line.product.kind != "service"
    ]
    if not lines:
        return None
    warehouse = order.warehouse or inventory.default_warehouse(order.company)
    receipt = inventory.create_receipt(
        order.company,
        order.partner,
        [
            inventory.MoveSpec(
                line.product, line.quantity, line.uom, line.expected_date, price_unit=_unit_cost(order, line)
            )
            for line in lines
        ],
        origin=order.number,
        actor=actor,
        warehouse=warehouse,
        scheduled_date=order.expected_date
        or min((ln.expected_date for ln in lines if ln.expected_date), default=None),
    )
    PurchaseOrder.objects.filter(pk=order.pk).update(receipt=receipt, warehouse=warehouse)
    order.receipt, order.warehouse = receipt, warehouse
    return receipt


def _unit_cost(order: PurchaseOrder, line: Any) -> Decimal:
    """The line's price in the company's currency (at today's rate): what its goods are valued at."""
    rate = money.rate(order.currency, order.company.currency, timezone.localdate())
    return Decimal(line.price_unit) * rate


def cancel_receipts(order: PurchaseOrder, actor: User | None) -> None:
    """Cancel what is still expected; refused once goods of the order came in."""
    if any(quantity > 0 for quantity in queries.received_by_product(order).values()):
        raise BusinessError(_("Goods of this order were received: return them to the supplier first."))
    for receipt in queries.open_receipts(order):
        inventory.cancel_transfer(receipt, actor)


def _tolerance(order: PurchaseOrder) -> Decimal:
    return queries.settings_of(order.company).receipt_tolerance


def over_receipts(order: PurchaseOrder, adding: Mapping[int, Decimal] | None = None) -> dict[str, list[str]]:
    """Lines that received (or would, with ``adding`` per line) more than ordered plus the
    tolerance: ``{"lines.<id>": [message]}``."""
    tolerance = _tolerance(order)
    errors: dict[str, list[str]] = {}
    for status in queries.line_statuses(order):
        line = status.line
        total = status.received + (adding or {}).get(line.pk, ZERO)
        limit = line.quantity * (1 + tolerance / 100)
        if total > limit:
            errors[f"lines.{line.pk}"] = [
                _(
                    "%(product)s: %(total)s would be received, more than the %(ordered)s ordered "
                    "plus the %(tolerance)s %% tolerance."
                )
                % {
                    "product": line.product,
                    "total": plain(total),
                    "ordered": plain(line.quantity),
                    "tolerance": plain(tolerance),
                }
            ]
    return errors


def _quantity(value: Any) -> Decimal | None:
    if isinstance(value, float):
        return None  # quantities never pass through a float
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def receive_order(order: PurchaseOrder, actor: User | None, *, quantities: dict[int, Any]) -> PurchaseOrder:
    """Take in what arrived, ``{order line id: quantity}`` in the line's unit. Less than expected
    leaves a backorder; more than ordered is accepted up to the company's tolerance and refused
    beyond it (nothing written)."""
    with transaction.atomic():
        locked = (
            PurchaseOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner")
            .get(pk=order.pk)
        )
        if locked.state != PurchaseOrder.State.CONFIRMED:
            raise BusinessError(_("Only a confirmed order receives goods."))
        statuses = {s.line.pk: s for s in queries.line_statuses(locked)}
        errors: dict[str, list[str]] = {}
        wanted: dict[int, Decimal] = {}
        for key, value in quantities.items():
            pk = int(key)
            number = _quantity(value)
            if pk not in statuses:
                errors[f"lines.{key}"] = [_("This is not a line of this order.")]
            elif number is None or number < 0:
                errors[f"lines.{key}"] = [_("Enter a quantity of zero or more.")]
            elif number > 0:
                if statuses[pk].line.product.kind == "service":
                    errors[f"lines.{key}"] = [_("A service is not received into stock.")]
                else:
                    wanted[pk] = number
        if not errors and not wanted:
            errors["lines"] = [_("Nothing was received: enter the quantity of at least one line.")]
        errors = errors or over_receipts(locked, wanted)
        if errors:
            raise ValidationFailed(errors)
        receipt = queries.open_receipts(locked).order_by("id").first()
        if receipt is None:
            raise BusinessError(_("Nothing of this order is expected any more."))
        moves = _moves_for(
            receipt, [statuses[pk] for pk in sorted(statuses, key=lambda p: statuses[p].line.sequence)]
        )
        done = {moves[pk].pk: quantity for pk, quantity in wanted.items() if pk in moves}
        missing = set(wanted) - set(moves)
        if missing:
            raise ValidationFailed(
                {f"lines.{pk}": [_("This line is not on the open receipt.")] for pk in missing}
            )
        events.record(
            "purchaseorder.goods_received",
            locked,
            actor,
            {
                "number": locked.number,
                "receipt": receipt.pk,
                "quantities": {statuses[pk].line.product.sku: str(q) for pk, q in wanted.items()},
            },
        )
        inventory.validate_transfer(receipt, done, actor)
    order.refresh_from_db()
    return order


def _moves_for(receipt: Transfer, statuses: list[queries.LineStatus]) -> dict[int, Move]:
    """The open receipt's move of each order line still expected: per product, lines and moves
    in their order (a product on two lines has two moves)."""
    moves: dict[int, list[Move]] = defaultdict(list)
    for move in receipt.moves.order_by("sequence", "id"):
        moves[move.product_id].append(move)
    found: dict[int, Move] = {}
    for status in statuses:
        if status.to_receive > 0 and moves.get(status.line.product_id):
            found[status.line.pk] = moves[status.line.product_id].pop(0)
    return found


# --- whatever validates a receipt: the tolerance and the order's state --------------------------


def _order_of(transfer: Transfer) -> PurchaseOrder | None:
    root = transfer
    while root.backorder_of_id is not None:
        root = Transfer.objects.only("pk", "backorder_of_id").get(pk=root.backorder_of_id)
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .filter(receipt_id=root.pk)
        .select_related("company")
        .first()
    )


@events.on("transfer.done")
def check_receipt(event: Event) -> None:
    """A receipt of an order was validated (anywhere): refuse an over-receipt beyond the
    tolerance (the validation rolls back), and mark the order received when nothing of it is
    expected any more."""
    transfer = Transfer.objects.filter(pk=event.subject_id, kind=Transfer.Kind.RECEIPT).first()
    if transfer is None:
        return
    order = _order_of(transfer)
    if order is None or order.state != PurchaseOrder.State.CONFIRMED:
        return
    errors = over_receipts(order)
    if errors:
        raise ValidationFailed(errors)
    if not queries.open_receipts(order).exists():
        transition(order, "received", event.actor, data={"number": order.number})
