"""Invoicing an order through accounting under its lines' policies, and what follows a delivery
or a posted invoice of an order."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.accounting.models import Invoice
from tandem.accounting.services import invoices as accounting
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Event, User
from tandem.core.money import read_decimal, round_money
from tandem.core.states import transition
from tandem.inventory.models import Transfer
from tandem.inventory.queries import first_step
from tandem.sales import queries
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder
from tandem.sales.services import down_payments
from tandem.sales.services.common import HUNDRED, ZERO, S
from tandem.sales.services.mail import _log_mail, _mail_address, _mail_shipment


def invoice_order(
    order: SalesOrder,
    actor: User | None,
    *,
    invoice_date: datetime.date | None = None,
    quantities: Mapping[int, Any] | None = None,
) -> Invoice:
    """A draft customer invoice (through ``accounting.services.invoices``) for what each line's
    policy allows and is not invoiced yet: ordered quantities, or delivered ones. ``quantities``
    (``{line id: quantity}``) invoices less; more than the policy allows is refused, nothing written."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in queries.CONFIRMED_STATES:
            raise BusinessError(_("Only a confirmed order is invoiced."))
        statuses = {s.line.pk: s for s in queries.line_statuses(locked)}
        wanted: dict[int, Decimal] = {}
        errors: dict[str, list[str]] = {}
        if quantities is None:
            wanted = {pk: s.to_invoice for pk, s in statuses.items() if s.to_invoice > 0}
        else:
            for key, value in quantities.items():
                pk = int(key)
                number = read_decimal(value, f"lines.{key}", errors, least="zero")
                if pk not in statuses:
                    errors[f"lines.{key}"] = [_("This is not a line of this order.")]
                elif number > statuses[pk].to_invoice:
                    errors[f"lines.{key}"] = [
                        _("At most %(left)s of %(product)s can be invoiced now (%(policy)s).")
                        % {
                            "left": f"{statuses[pk].to_invoice.normalize():f}",
                            "product": statuses[pk].line.product,
                            "policy": statuses[pk].line.get_invoice_policy_display(),
                        }
                    ]
                elif number > 0:
                    wanted[pk] = number
        if errors:
            raise ValidationFailed(errors)
        if not wanted:
            raise BusinessError(_("Nothing is left to invoice under the lines' invoicing policy."))
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
            for pk, quantity in sorted(wanted.items(), key=lambda row: statuses[row[0]].line.sequence)
        ]
        goods = sum(
            (
                round_money(
                    quantity
                    * statuses[pk].line.price_unit
                    * (HUNDRED - statuses[pk].line.discount)
                    / HUNDRED,
                    locked.currency,
                )
                for pk, quantity in wanted.items()
            ),
            ZERO,
        )
        deducted = down_payments.deductions(locked, goods)
        invoice = accounting.create_invoice(
            locked.company,
            actor,
            kind=Invoice.Kind.CUSTOMER_INVOICE,
            partner=locked.partner,
            invoice_date=invoice_date or timezone.localdate(),
            lines=lines + deducted,
            currency=locked.currency,
            origin=locked.number,
        )
        OrderInvoice.objects.create(order=locked, invoice=invoice)
        if deducted:
            OrderInvoiceLine.objects.bulk_create(
                OrderInvoiceLine(invoice_line=line, order=locked, kind=OrderInvoiceLine.Kind.DEDUCTION)
                for line in invoice.lines.order_by("sequence", "id")[len(lines) :]
            )
        events.record(
            "salesorder.invoiced",
            locked,
            actor,
            {
                "number": locked.number,
                "invoice": invoice.pk,
                "total": str(invoice.amount_total),
                "quantities": {str(pk): str(q) for pk, q in wanted.items()},
                "deducted": str(
                    round_money(sum((row.price_unit for row in deducted), ZERO), locked.currency)
                ),
            },
        )
        _maybe_done(locked, actor)
    return invoice


def _maybe_done(order: SalesOrder, actor: User | None) -> None:
    """An order fully delivered and invoiced is done (its payment is read from accounting)."""
    if order.state != S.CONFIRMED:
        return
    found = queries.progress(order)
    if found.delivered and found.invoiced:
        transition(order, "done", actor, data={"number": order.number})


def _order_of(transfer: Transfer) -> SalesOrder | None:
    """The order whose delivery began ``transfer``'s route (the pick of a multi-step one)."""
    return SalesOrder.objects.select_for_update().filter(delivery_id=first_step(transfer)).first()


@events.on("transfer.done")
def delivered(event: Event) -> None:
    """A delivery of an order was validated (anywhere): record it on the order (and the
    customer's timeline); an order now fully delivered and invoiced is done."""
    transfer = Transfer.objects.filter(pk=event.subject_id, kind=Transfer.Kind.DELIVERY).first()
    if transfer is None:
        return
    order = _order_of(transfer)
    if order is None or order.state != S.CONFIRMED:
        return
    events.record(
        "salesorder.delivered",
        order,
        event.actor,
        {"number": order.number, "delivery": transfer.pk, "transfer": transfer.number},
    )
    _mail_shipment(order, transfer, event.actor)
    _maybe_done(order, event.actor)


@events.on("invoice.posted")
def invoice_posted(event: Event) -> None:
    """An invoice made from an order was posted: e-mailed to the customer, if they want it."""
    made = (
        OrderInvoice.objects.select_related(
            "order__company", "order__partner", "order__contact", "invoice__partner"
        )
        .filter(invoice_id=event.subject_id)
        .first()
    )
    if made is None:
        return
    order = made.order
    address = _mail_address(order, "invoice")
    if address:
        sent = accounting.send_invoice(made.invoice, event.actor, to=[address])
        language = order.partner.language or order.company.language
        with translation.override(language):
            subject = f"{accounting.TITLES[sent.kind]} {sent.number} — {order.company.name}"
        _log_mail(order, "invoice", address, subject, sent.number, event.actor)
