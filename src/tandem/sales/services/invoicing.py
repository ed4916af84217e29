"""Invoicing an order through accounting under its lines' policies, and what follows a delivery
or a posted invoice of an order."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.accounting.models import Invoice, InvoiceLine
from tandem.accounting.services import invoices as accounting
from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Event, User
from tandem.core.money import plain, read_decimal, round_money
from tandem.core.states import transition
from tandem.inventory.models import Location, Transfer
from tandem.inventory.queries import first_step
from tandem.sales import queries
from tandem.sales.models import OrderInvoice, OrderInvoiceLine, SalesOrder
from tandem.sales.services import down_payments
from tandem.sales.services.common import ZERO, S
from tandem.sales.services.mail import _log_mail, _mail_address, _mail_shipment


@dataclass
class _Part:
    """What one order puts on an invoice: quantities per line, and the down payments deducted."""

    order: SalesOrder
    wanted: dict[int, Decimal]  # order line id → quantity
    statuses: dict[int, queries.LineStatus]
    deducted: list[accounting.LineData]


def _part(locked: SalesOrder, quantities: Mapping[int, Any] | None) -> _Part:
    """What of the locked order is invoiced now: what its lines' policy allows and is not
    invoiced yet, or ``quantities`` (refused beyond that, nothing written); its down payments
    not deducted yet, up to the goods' amount. ``wanted`` is empty when nothing is left."""
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
                        "left": plain(statuses[pk].to_invoice),
                        "product": statuses[pk].line.product,
                        "policy": statuses[pk].line.get_invoice_policy_display(),
                    }
                ]
            elif number > 0:
                wanted[pk] = number
    if errors:
        raise ValidationFailed(errors)
    billed = [statuses[pk].line for pk in wanted]
    prefetch_related_objects(billed, "taxes")
    deducted = down_payments.deductions(
        locked,
        [
            (quantity, line.price_unit, line.discount, list(line.taxes.all()))
            for quantity, line in zip(wanted.values(), billed, strict=True)
        ],
    )
    return _Part(locked, wanted, statuses, deducted)


def _write(parts: list[_Part], actor: User | None, invoice_date: datetime.date | None) -> Invoice:
    """One draft customer invoice of ``parts`` (orders of one customer, company and currency):
    each line linked to the order line it bills, each deduction to its order."""
    first = parts[0].order
    several = len(parts) > 1
    data: list[accounting.LineData] = []
    links: list[tuple[SalesOrder, str, int | None]] = []
    prefetch_related_objects(  # every billed line's taxes in one query
        [part.statuses[pk].line for part in parts for pk in part.wanted], "taxes"
    )
    for part in parts:
        for pk, quantity in sorted(part.wanted.items(), key=lambda row: part.statuses[row[0]].line.sequence):
            line = part.statuses[pk].line
            data.append(
                accounting.LineData(
                    description=f"{part.order.number}: {line.description}" if several else line.description,
                    quantity=quantity,
                    price_unit=line.price_unit,
                    discount=line.discount,
                    product=line.product,
                    uom=line.uom,
                    taxes=list(line.taxes.all()),
                )
            )
            links.append((part.order, OrderInvoiceLine.Kind.GOODS, pk))
        data.extend(part.deducted)
        links.extend((part.order, OrderInvoiceLine.Kind.DEDUCTION, None) for _row in part.deducted)
    invoice = accounting.create_invoice(
        first.company,
        actor,
        kind=Invoice.Kind.CUSTOMER_INVOICE,
        partner=first.partner,
        invoice_date=invoice_date or timezone.localdate(),
        lines=data,
        currency=first.currency,
        origin=", ".join(part.order.number for part in parts)[:200],
    )
    OrderInvoice.objects.bulk_create(OrderInvoice(order=part.order, invoice=invoice) for part in parts)
    OrderInvoiceLine.objects.bulk_create(
        OrderInvoiceLine(invoice_line=row, order=order, kind=kind, order_line_id=line_id)
        for row, (order, kind, line_id) in zip(invoice.lines.order_by("sequence", "id"), links, strict=True)
    )
    for part in parts:
        events.record(
            "salesorder.invoiced",
            part.order,
            actor,
            {
                "number": part.order.number,
                "invoice": invoice.pk,
                "total": str(invoice.amount_total),
                "quantities": {str(pk): str(q) for pk, q in part.wanted.items()},
                "deducted": str(
                    round_money(sum((row.price_unit for row in part.deducted), ZERO), part.order.currency)
                ),
            },
        )
        close_if_settled(part.order, actor, list(part.statuses.values()))
    return invoice


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
        part = _part(locked, quantities)
        if not part.wanted:
            raise BusinessError(_("Nothing is left to invoice under the lines' invoicing policy."))
        return _write([part], actor, invoice_date)


def invoice_orders(
    orders: Sequence[SalesOrder], actor: User | None, *, invoice_date: datetime.date | None = None
) -> Invoice:
    """One draft invoice for what is left to invoice of several confirmed orders of one customer,
    in one company and currency (an order with nothing left is passed over). The orders are
    locked in key order (as ``invoice_order`` locks one: a parallel invoicing of any of them
    waits, then finds it invoiced). Orders of different customers, companies or currencies, or
    not confirmed: refused with the reason, nothing written."""
    keys = sorted({order.pk for order in orders})
    if not keys:
        raise ValidationFailed({"ids": [_("Choose the orders to invoice.")]})
    with transaction.atomic():
        locked = list(
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .filter(pk__in=keys)
            .order_by("pk")
        )
        reasons = []
        if len({order.company_id for order in locked}) > 1:
            reasons.append(_("The orders belong to different companies."))
        if len({order.partner_id for order in locked}) > 1:
            reasons.append(
                _("The orders are of different customers (%(customers)s): an invoice is for one customer.")
                % {"customers": ", ".join(sorted({str(order.partner) for order in locked}))}
            )
        if len({order.currency_id for order in locked}) > 1:
            reasons.append(
                _("The orders are in different currencies (%(currencies)s): an invoice has one currency.")
                % {"currencies": ", ".join(sorted({order.currency_id for order in locked}))}
            )
        unconfirmed = [
            order.number or str(order.pk) for order in locked if order.state not in queries.CONFIRMED_STATES
        ]
        if unconfirmed:
            reasons.append(
                _("Only confirmed orders are invoiced: %(orders)s is not.")
                % {"orders": ", ".join(unconfirmed)}
            )
        if reasons:
            raise ValidationFailed({"ids": reasons})
        parts = [part for part in (_part(order, None) for order in locked) if part.wanted]
        if not parts:
            raise BusinessError(
                _("Nothing is left to invoice on these orders under their lines' invoicing policy.")
            )
        return _write(parts, actor, invoice_date)


def close_if_settled(
    order: SalesOrder,
    actor: User | None,
    statuses: Sequence[queries.LineStatus] | None = None,
    *,
    unless_sold: bool = False,
) -> None:
    """An order with nothing left to deliver, invoice or credit — of what is due, less what was
    cancelled (``queries.progress_of``'s ``finished``): delivered and invoiced, or all sent back
    and credited — is done (its payment is read from accounting). ``statuses``: its line
    statuses read under its lock before invoicing it (a delivery validated since waits for that
    lock, and its own check after it sees this invoice); ``unless_sold``: see
    ``queries.finished``."""
    if order.state != S.CONFIRMED:
        return
    if queries.finished(order, statuses, unless_sold=unless_sold):
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
    close_if_settled(order, event.actor, unless_sold=True)  # a delivery brings nothing back


@events.on("transfer.cancelled")
def delivery_cancelled(event: Event) -> None:
    """What was left to deliver of an order was cancelled (a backorder, the rest of a route): an
    order now delivered and invoiced for all that is still due (or all of which came back and
    was credited) is done."""
    transfer = Transfer.objects.filter(pk=event.subject_id).first()
    if transfer is None or not transfer.moves.filter(dest_location__kind=Location.Kind.CUSTOMER).exists():
        return
    order = _order_of(transfer)
    if order is not None and order.state == S.CONFIRMED:
        close_if_settled(order, event.actor)


@events.on("invoice.lines_written")
def invoice_lines_written(event: Event) -> None:
    """A draft invoice of orders had its lines changed by hand: what it bills of each order must
    stay within the order's invoicing policy, a billed line keep its order line's product, and
    its down payments and deductions add up; otherwise the change is refused, nothing written."""
    touched = [*event.data["changed"], *event.data["added"]]
    links = OrderInvoiceLine.objects.filter(invoice_line_id__in=touched).select_related(
        "invoice_line", "order_line__product"
    )
    errors: list[str] = []
    for link in links:
        if link.order_line is not None and link.invoice_line.product_id != link.order_line.product_id:
            errors.append(
                _("A line billing %(product)s of an order keeps that product: remove it and add a new line.")
                % {"product": link.order_line.product}
            )
    if errors:
        raise ValidationFailed({"lines": errors})
    orders = SalesOrder.objects.filter(invoices__invoice_id=event.subject_id).select_related("currency")
    products = set(
        InvoiceLine.objects.filter(pk__in=event.data["added"], product__isnull=False).values_list(
            "product_id", flat=True
        )
    )
    for order in orders:
        _check_within_policy(
            order, {link.order_line_id for link in links if link.order_id == order.pk}, products
        )
        if any(link.kind != OrderInvoiceLine.Kind.GOODS for link in links if link.order_id == order.pk):
            down_payments.check_down_payments(order)


def _check_within_policy(order: SalesOrder, lines: set[int | None], products: set[int]) -> None:
    """Refused: one of ``order``'s lines (or of its lines of ``products``) invoiced beyond what its
    policy allows."""
    errors = [
        _("At most %(left)s of %(product)s can be invoiced on %(order)s (%(policy)s).")
        % {
            "left": plain(status.invoiceable),
            "product": status.line.product,
            "order": order.number,
            "policy": status.line.get_invoice_policy_display(),
        }
        for status in queries.line_statuses(order)
        if (status.line.pk in lines or status.line.product_id in products)
        and status.invoiced > status.invoiceable
    ]
    if errors:
        raise ValidationFailed({"lines": errors})


@events.on("invoice.credited")
def invoice_credited(event: Event) -> None:
    """An invoice of orders was credited in accounting (a credit note copying its lines): the
    credit note belongs to the same orders, each of its lines tied to them as the line it copies
    was — the goods it credits may be invoiced again, a down payment credited is deducted no more,
    and down payments whose deduction it credits are left to deduct again."""
    orders = list(OrderInvoice.objects.filter(invoice_id=event.subject_id).values_list("order_id", flat=True))
    if not orders:
        return
    note = event.data["credit_note"]
    OrderInvoice.objects.bulk_create(OrderInvoice(order_id=pk, invoice_id=note) for pk in orders)
    links = {
        link.invoice_line_id: link
        for link in OrderInvoiceLine.objects.filter(invoice_line__invoice_id=event.subject_id)
    }
    copied = InvoiceLine.objects.filter(invoice_id=event.subject_id).order_by("sequence", "id")
    copies = InvoiceLine.objects.filter(invoice_id=note).order_by("sequence", "id")
    OrderInvoiceLine.objects.bulk_create(
        OrderInvoiceLine(
            invoice_line_id=copy,
            order_id=links[line].order_id,
            order_line_id=links[line].order_line_id,
            kind=links[line].kind,
        )
        for line, copy in zip(
            copied.values_list("pk", flat=True), copies.values_list("pk", flat=True), strict=True
        )
        if line in links
    )


@events.on("invoice.posted")
def invoice_posted(event: Event) -> None:
    """An invoice made from an order was posted: e-mailed to the customer, if they want it. In a
    foreign currency, the advances its orders' down payments left on the books are settled in the
    company's currency once they are all taken back (``down_payments.settle_advances_exchange``)."""
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
    if made.invoice.currency_id != order.company.currency_id:
        day = made.invoice.accounting_date or made.invoice.invoice_date
        orders = SalesOrder.objects.select_for_update(of=("self",)).select_related(
            "company", "partner", "currency"
        )
        for found in orders.filter(invoices__invoice_id=event.subject_id).order_by("pk"):
            down_payments.settle_advances_exchange(found, event.actor, day)
    address = _mail_address(order, "invoice")
    if address:
        sent = accounting.send_invoice(made.invoice, event.actor, to=[address])
        language = order.partner.language or order.company.language
        with translation.override(language):
            subject = f"{accounting.TITLES[sent.kind]} {sent.number} — {order.company.name}"
        _log_mail(order, "invoice", address, subject, sent.number, event.actor)
