"""Customer returns: goods of an order that came back, through inventory's return of the
deliveries that took them, and on request the credit note through accounting.

Nothing is stored on the order: once the return is validated, ``sales.queries`` reads less
delivered (done returns subtract), and a credit note made from the order reads less invoiced.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.accounting.models import Invoice
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import User
from tandem.core.money import convert_quantity, read_decimal
from tandem.inventory import services as inventory
from tandem.inventory.models import Location, Move, Transfer
from tandem.inventory.queries import route_ids
from tandem.sales import queries
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder
from tandem.sales.services.common import ZERO
from tandem.sales.services.invoicing import close_if_settled


@dataclass
class CustomerReturn:
    """What a return made: the return transfers (one per delivery the goods left with) and the
    draft credit note, when one was asked for."""

    transfers: list[Transfer] = field(default_factory=list)
    credit_note: Invoice | None = None


def _left_with_customer(order: SalesOrder) -> list[Move]:
    """The done moves that took the order's goods to the customer, oldest first."""
    return list(
        Move.objects.filter(
            transfer_id__in=route_ids([order.delivery_id or 0]),
            transfer__state=Transfer.State.DONE,
            dest_location__kind=Location.Kind.CUSTOMER,
        )
        .select_related("product__uom", "transfer")
        .order_by("id")
    )


def return_goods(
    order: SalesOrder,
    actor: User | None,
    *,
    quantities: Mapping[Any, Any],
    credit: bool = False,
    credit_date: datetime.date | None = None,
) -> CustomerReturn:
    """The customer sends back ``quantities`` (``{line id: quantity in the line's unit}``) of
    delivered goods: a return of each delivery they left with (inventory's ``create_return``:
    they come in as the warehouse receives goods), and with ``credit`` a draft credit note for
    what of them was invoiced, at the line's price. More than went out and has not already been
    returned, a service, a line of another order: refused, nothing written."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in queries.CONFIRMED_STATES:
            raise BusinessError(_("Only the goods of a confirmed order come back."))
        statuses = {s.line.pk: s for s in queries.line_statuses(locked)}
        wanted: dict[int, Decimal] = {}  # line id → quantity in the line's unit
        for key, value in (quantities or {}).items():
            name = f"lines.{key}"
            number = read_decimal(value, name, errors, least="above zero")
            status = statuses.get(int(key)) if str(key).isdigit() else None
            if status is None:
                errors[name] = [_("This is not a line of this order.")]
            elif status.line.product.kind == Product.Kind.SERVICE:
                errors[name] = [_("A service does not come back: credit it on an invoice instead.")]
            elif name not in errors:
                wanted[status.line.pk] = number
        if not quantities:
            errors["lines"] = [_("Say which lines come back, and how many.")]
        moves = _left_with_customer(locked)
        left = {move.pk: inventory.returnable(move) for move in moves}
        taken: dict[int, dict[int, Decimal]] = defaultdict(dict)  # transfer id → {move id: quantity}
        for pk, number in wanted.items():
            line = statuses[pk].line
            need = convert_quantity(number, line.uom, line.product.uom)
            for move in moves:
                if need <= 0:
                    break
                if move.product_id != line.product_id or left[move.pk] <= 0:
                    continue
                part = min(need, left[move.pk])
                taken[move.transfer_id][move.pk] = taken[move.transfer_id].get(move.pk, ZERO) + part
                left[move.pk] -= part
                need -= part
            if need > 0:
                errors[f"lines.{pk}"] = [
                    _("More of %(product)s than was delivered and not yet returned.")
                    % {"product": line.product}
                ]
        # what of the goods coming back was invoiced: the line's invoiced quantity beyond what its
        # policy allows once they are back (goods delivered but not invoiced are not credited)
        credited = {
            pk: min(number, max(statuses[pk].invoiced - max(statuses[pk].invoiceable - number, ZERO), ZERO))
            for pk, number in wanted.items()
        }
        credited = {pk: number for pk, number in credited.items() if number > 0}
        if credit and not errors and not credited:
            errors["credit"] = [_("None of these goods was invoiced: there is nothing to credit.")]
        if errors:
            raise ValidationFailed(errors)
        transfers = {move.transfer_id: move.transfer for move in moves}
        made = CustomerReturn(
            [inventory.create_return(transfers[pk], actor, parts) for pk, parts in sorted(taken.items())]
        )
        if credit:
            made.credit_note = _credit_note(locked, actor, credited, statuses, credit_date)
        close_if_settled(locked, actor)  # all of it back and credited, or never invoiced: done
        events.record(
            "salesorder.returned",
            locked,
            actor,
            {
                "number": locked.number,
                "transfers": [t.pk for t in made.transfers],
                "quantities": {str(pk): str(q) for pk, q in wanted.items()},
                "credit_note": made.credit_note.pk if made.credit_note is not None else None,
            },
        )
    return made


def credit_returned(
    order: SalesOrder, actor: User | None, *, credit_date: datetime.date | None = None
) -> Invoice:
    """A draft credit note for the invoiced goods that came back, or were cancelled, and are not
    credited yet (each line's ``to_credit``: returned without a credit note then, or invoiced as
    ordered before the rest of the order was cancelled); the order is done if that settles it.
    Refused, nothing written, when there are none — a draft credit note already counts, so asking
    twice credits once."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        statuses = {status.line.pk: status for status in queries.line_statuses(locked)}
        credited = {pk: status.to_credit for pk, status in statuses.items() if status.to_credit > 0}
        if not credited:
            raise BusinessError(
                _(
                    "No invoiced goods were returned or cancelled without being credited: "
                    "there is nothing to credit."
                )
            )
        note = _credit_note(locked, actor, credited, statuses, credit_date)
        events.record(
            "salesorder.credited",
            locked,
            actor,
            {
                "number": locked.number,
                "credit_note": note.pk,
                "quantities": {str(pk): str(quantity) for pk, quantity in credited.items()},
            },
        )
        close_if_settled(locked, actor)
    return note


def has_goods_to_credit(order: SalesOrder, statuses: Sequence[queries.LineStatus] | None = None) -> bool:
    """Whether invoiced goods of ``order`` were returned or cancelled and are not credited yet
    (``statuses``: the order's ``line_statuses`` when the caller has them already)."""
    if order.state not in queries.CONFIRMED_STATES:
        return False
    statuses = queries.line_statuses(order) if statuses is None else statuses
    return any(status.to_credit > 0 for status in statuses)


def _credit_note(
    order: SalesOrder,
    actor: User | None,
    credited: Mapping[int, Decimal],
    statuses: Mapping[int, queries.LineStatus],
    day: datetime.date | None,
) -> Invoice:
    lines = [
        accounting.LineData(
            description=statuses[pk].line.description,
            quantity=quantity,
            price_unit=statuses[pk].line.price_unit,
            discount=statuses[pk].line.discount,
            product=statuses[pk].line.product,
            uom=statuses[pk].line.uom,
            taxes=list(statuses[pk].line.taxes.all()),
        )
        for pk, quantity in sorted(credited.items(), key=lambda row: statuses[row[0]].line.sequence)
    ]
    note = accounting.create_invoice(
        order.company,
        actor,
        kind=Invoice.Kind.CUSTOMER_CREDIT_NOTE,
        partner=order.partner,
        invoice_date=day or timezone.localdate(),
        lines=lines,
        currency=order.currency,
        origin=order.number,
    )
    OrderInvoice.objects.create(order=order, invoice=note)
    ordered = sorted(credited, key=lambda pk: statuses[pk].line.sequence)
    OrderInvoiceLine.objects.bulk_create(
        OrderInvoiceLine(invoice_line=row, order=order, kind=OrderInvoiceLine.Kind.GOODS, order_line_id=pk)
        for row, pk in zip(note.lines.order_by("sequence", "id"), ordered, strict=True)
    )
    return note
