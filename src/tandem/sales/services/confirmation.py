"""Confirming (credit and discount limits, the promised date, the delivery reserved through
inventory, shortages to planning) and cancelling."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.accounting.models import Invoice
from tandem.catalog.models import Product
from tandem.core.errors import BusinessError
from tandem.core.models import User
from tandem.core.money import plain
from tandem.core.states import transition
from tandem.inventory import services as inventory
from tandem.planning import services as planning
from tandem.sales import queries
from tandem.sales.models import APPROVE, OrderInvoice, SalesOrder, SalesSettings
from tandem.sales.queries import promise
from tandem.sales.services.common import EDITABLE, HUNDRED, ApprovalNeeded, OrderNotEditable, S, _user
from tandem.sales.services.mail import _mail_confirmation
from tandem.sales.services.orders import _compute, _numbered


def discount_limit_of(user: User | None, settings: SalesSettings) -> Decimal:
    """The largest line discount ``user`` confirms without anyone's approval: an administrator
    any, a sales manager (``sales.approve_salesorder``) the company's manager limit, a
    salesperson (and the system, confirming an order its customer accepted) the salesperson's."""
    if user is not None and user.is_superuser:
        return HUNDRED
    if user is not None and user.has_perm(APPROVE):
        return settings.manager_discount_limit
    return settings.discount_limit


def approval_reasons(
    order: SalesOrder, user: User | None = None, *, exposure: queries.Exposure | None = None
) -> list[str]:
    """Why ``user`` may not confirm ``order`` alone (without ``user``: why a salesperson may
    not, that is why the order needs approval at all): the customer's open balance plus this
    order above its credit limit (a sales manager confirms), a line's discount above the user's
    limit (someone whose limit covers it confirms). Empty: the user confirms it. ``exposure``:
    the customer's, when the caller has read it already."""
    reasons = []
    found = exposure or queries.exposure(order)
    if found.over and (user is None or not user.has_perm(APPROVE)):
        reasons.append(
            _(
                "The customer's open balance %(balance)s plus this order %(order)s is above "
                "its credit limit %(limit)s (%(currency)s): a sales manager confirms it."
            )
            % {
                "balance": found.open_balance,
                "order": found.order,
                "limit": found.limit,
                "currency": order.company.currency_id,
            }
        )
    settings = queries.settings_of(order.company)
    limit = discount_limit_of(user, settings)
    over = [line for line in order.lines.filter(optional=False) if line.discount > limit]
    if over:
        reasons.append(
            _(
                "A discount above %(limit)s %% (%(lines)s) needs someone whose discount limit covers "
                "it (a sales manager's is %(manager)s %%)."
            )
            % {
                "limit": plain(limit),
                "lines": ", ".join(line.description for line in over),
                "manager": plain(settings.manager_discount_limit),
            }
        )
    return reasons


def confirm_order(order: SalesOrder, actor: User | None) -> SalesOrder:
    """Confirm a quotation: check the credit limit (a sales manager confirms above it) and
    the discount limits per role (above the actor's, someone whose limit covers it confirms;
    who did is ``approved_by``), number it, create and reserve the delivery, send shortages to planning."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("company", "partner", "currency")
            .get(pk=order.pk)
        )
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only a quotation (draft or sent) is confirmed; this one is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        _compute(locked)
        reasons = approval_reasons(locked)
        approver = None
        if reasons:
            user = _user(actor)
            refused = approval_reasons(locked, user) if user is not None else reasons
            if refused:
                raise ApprovalNeeded(
                    " ".join([*refused, _("Ask someone whose limits cover it to confirm it.")])
                )
            approver = user
        number = _numbered(locked)
        transition(
            locked,
            "confirmed",
            actor,
            fields={"approved_by": approver, "promised_date": promised_date(locked)},
            data={
                "number": number,
                "total": str(locked.amount_total),
                "currency": locked.currency_id,
                "deal": locked.deal_id,
                "approved_by": approver.pk if approver else None,
                "approval": reasons,
            },
        )
        shortages = _deliver(locked, actor)
        if shortages:
            _replenish(locked, shortages, actor)
        _mail_confirmation(locked, actor)
    order.refresh_from_db()
    return order


def promised_date(order: SalesOrder) -> datetime.date:
    """The date promised on confirmation: the salesperson's, when they gave one (the order is
    flagged late at once if it cannot be kept: ``sales.queries.promise.late``); else the earliest
    the whole order can ship (``sales.queries.promise``, before its own reservation); else the
    order's date."""
    if order.promised_date is not None:
        return order.promised_date
    return promise.order_promise(order).date or order.order_date


def _deliver(order: SalesOrder, actor: User | None) -> list[inventory.Shortage]:
    lines = [
        line
        for line in order.lines.select_related("product__uom", "uom").order_by("sequence", "id")
        if not line.optional and line.product.kind != Product.Kind.SERVICE
    ]  # the products' units too: the delivery's moves convert to them
    if not lines:
        return []
    warehouse = order.warehouse or inventory.default_warehouse(order.company)
    when = order.promised_date or order.order_date
    delivery = inventory.create_delivery(
        order.company,
        order.partner,
        [inventory.MoveSpec(line.product, line.quantity, line.uom, when) for line in lines],
        origin=order.number,
        actor=actor,
        warehouse=warehouse,
        scheduled_date=when,
    )
    SalesOrder.objects.filter(pk=order.pk).update(delivery=delivery, warehouse=warehouse)
    order.delivery, order.warehouse = delivery, warehouse
    return inventory.reserve(delivery, actor)


def _replenish(order: SalesOrder, shortages: list[inventory.Shortage], actor: User | None) -> None:
    planning.replenish(order.company, shortages, actor=actor, origin=order.number)


# --- cancelling -----------------------------------------------------------------------------------


def cancel_order(order: SalesOrder, actor: User | None) -> SalesOrder:
    """Cancel a quotation, or an order: its reservations are released and what has not left is
    cancelled (what was delivered stays delivered). Refused once the order has an invoice that
    is not cancelled."""
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
        if locked.state == S.CONFIRMED:
            live = Invoice.objects.filter(
                pk__in=OrderInvoice.objects.filter(order=locked).values("invoice")
            ).exclude(state=Invoice.State.CANCELLED)
            if live.exists():
                raise BusinessError(_("This order was invoiced: cancel or credit its invoices first."))
            for transfer in queries.open_deliveries(locked):
                inventory.cancel_transfer(transfer, actor)
        transition(locked, "cancelled", actor, data={"number": locked.number})
    order.refresh_from_db()
    return order
