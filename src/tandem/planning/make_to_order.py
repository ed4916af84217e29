"""Make to order: what ``services.replenish`` does with a shortage of a product that is made for
the order that wants it (``Product.make_to_order`` with a bill of materials).

Each such need becomes a manufacturing order — source "sales", the document that asked for it
as its origin, linked to the move it is made for (``demand_move``: the sales order line's
delivery move) and pegged to it (a ``Peg`` for its quantity, as MRP's orders are), and due on the
day that move expects it (the promised date, which came from capable-to-promise) — confirmed at
once, so that its components are reserved and its work
orders wait on the shop floor. What its components still lack is made the same way when it is
made (a sub-assembly, for this order) and otherwise handed back to be bought. The orders made
are then scheduled finitely, after the load of every released order, as the capacity page's
schedule does (``scheduling.schedule_orders``: a sub-assembly first, its order once it is done
and once the components it lacks can be bought), so their planned start and finish respect what
the work centres can do — the dates capable-to-promise gave the sale. The order's customer
sees it on their timeline (``planning.made_to_order``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tandem.core import events
from tandem.core.models import Company, User
from tandem.core.money import plain
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder
from tandem.planning import capacity, promise, queries, scheduling
from tandem.planning.models import Peg

MAX_LEVELS = 30  # the BOM cycle check keeps trees finite; this only guards the recursion


@dataclass
class Made:
    orders: list[ManufacturingOrder] = field(default_factory=list)
    to_buy: list[Any] = field(default_factory=list)  # component shortages (inventory.Shortage)
    made_for: dict[int, int] = field(default_factory=dict)  # sub-assembly order → the order it is for
    bought: dict[int, list[int]] = field(default_factory=dict)  # order → the products it lacks, bought


def made_to_order(company: Company, needs: Iterable[Any]) -> tuple[list[Any], list[Any]]:
    """(needs to make to order, the others)."""
    needs = list(needs)
    candidates = {need.product.pk for need in needs if need.product.make_to_order}
    made = queries.made_products(company, candidates) if candidates else set()
    return [n for n in needs if n.product.pk in made], [n for n in needs if n.product.pk not in made]


def make(company: Company, needs: Iterable[Any], *, actor: User | None = None, origin: str = "") -> Made:
    """A confirmed manufacturing order per need (all of them made: call with what
    :func:`made_to_order` chose), and their component shortages made or left to buy."""
    found = Made()
    for need in needs:
        move = getattr(need, "move", None)
        partner_id = move.transfer.partner_id if move is not None else None
        _make_one(company, need, actor, getattr(need, "origin", "") or origin, partner_id, found, None)
    if found.orders:
        _schedule(company, found, actor)
    return found


def _schedule(company: Company, found: Made, actor: User | None) -> None:
    """Schedule the orders made, finite: none starts before the components it lacks can be bought
    (today plus their shortest lead time, as capable-to-promise counts them) nor before the
    sub-assemblies made for it are done."""
    today = timezone.localdate()
    leads = promise.lead_times(company, {p for products in found.bought.values() for p in products}, today)
    ready = {}
    for order_id, products in found.bought.items():
        days = [leads[p] for p in products if p in leads]
        if days:
            ready[order_id] = capacity.day_start(today + datetime.timedelta(days=max(days)))
    scheduling.schedule_orders(company, found.orders, actor, made_for=found.made_for, ready=ready, day=today)


def _make_one(
    company: Company,
    need: Any,
    actor: User | None,
    origin: str,
    partner_id: int | None,
    found: Made,
    parent: ManufacturingOrder | None,
    depth: int = 0,
) -> None:
    order = manufacturing.create_order(
        company,
        actor,
        product=need.product,
        quantity=need.quantity,
        warehouse=need.warehouse,
        due_date=need.date,
        source=ManufacturingOrder.Source.SALES,
        origin=origin[:64],
    )
    move = getattr(need, "move", None)
    if move is not None:
        ManufacturingOrder.objects.filter(pk=order.pk).update(demand_move=move)
        order.demand_move = move
        # pegged as MRP's orders are: "made for" reads the pegs of every order
        Peg.objects.create(
            company=company, manufacturing_order=order, demand_move=move, quantity=order.quantity
        )
    order = manufacturing.confirm_order(order, actor)
    found.orders.append(order)
    if parent is not None:
        found.made_for[order.pk] = parent.pk
    events.record(
        "planning.made_to_order",
        order,
        actor,
        {
            "order": order.number,
            "product": order.product.sku,
            "quantity": plain(order.quantity),
            "due": order.due_date.isoformat(),
            "origin": origin,
        },
        partner_id=partner_id,
    )
    shortages = manufacturing.reserve_components(order, actor)
    made = queries.made_products(company, {s.product.pk for s in shortages}) if shortages else set()
    for shortage in shortages:
        if shortage.product.pk in made and depth < MAX_LEVELS:
            _make_one(company, shortage, actor, order.number, partner_id, found, order, depth + 1)
        else:
            found.to_buy.append(shortage)
            found.bought.setdefault(order.pk, []).append(shortage.product.pk)
