"""Reads for planning: the projected stock behind every reorder rule of a company, in a handful
of grouped queries (on hand, open moves, what is being bought, lead times) — never one query
per rule, so that 20,000 rules are checked in seconds (bench/reorder_run.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Min, Model, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.core.money import read_decimal
from tandem.inventory.models import OPEN_STATES, STOCKED_KINDS, Location, Move, Quant, Warehouse
from tandem.manufacturing import queries as manufacturing
from tandem.manufacturing.models import Bom, ManufacturingOrder
from tandem.planning import promise
from tandem.planning.models import Peg, PlannedOrder, ReorderRule
from tandem.planning.promise import CapableToPromise
from tandem.purchasing.models import PurchaseOrderLine, PurchaseRequest, SupplierPrice

ZERO = Decimal(0)
M = TypeVar("M", bound=Model)
HORIZON_DAYS = 30  # open moves expected within this many days count in the projection
PENDING_ORDER_STATES = ("draft", "sent", "to_approve")  # confirmed ones are receipts (open moves)


@dataclass(frozen=True)
class RuleRow:
    rule_id: int
    product_id: int
    warehouse_id: int
    min_quantity: Decimal
    max_quantity: Decimal
    multiple: Decimal
    safety_stock: Decimal
    on_hand: Decimal
    incoming: Decimal
    outgoing: Decimal
    pending: Decimal  # asked for or on an RFQ, not yet an expected receipt
    lead_days: int

    @property
    def projected(self) -> Decimal:
        return self.on_hand + self.incoming - self.outgoing + self.pending


def search(rows: QuerySet[M], text: str) -> QuerySet[M]:
    """Rows of any planning model with a product, found by the product's name or SKU."""
    text = text.strip()
    if not text:
        return rows
    return rows.filter(Q(product__name__icontains=text) | Q(product__sku__icontains=text))


def rule_rows(company: Company, on: datetime.date, rule_ids: list[int] | None = None) -> list[RuleRow]:
    rules = ReorderRule.objects.filter(company=company, active=True)
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    chosen = list(
        rules.order_by("id").values_list(
            "pk", "product_id", "warehouse_id", "min_quantity", "max_quantity", "multiple", "safety_stock"
        )
    )
    if not chosen:
        return []
    warehouses = {row[2] for row in chosen}
    wanted = {(row[1], row[2]) for row in chosen}
    location_warehouse = dict(
        Location.objects.filter(
            company=company, warehouse_id__in=warehouses, kind__in=STOCKED_KINDS
        ).values_list("pk", "warehouse_id")
    )
    on_hand: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    quants = (
        Quant.objects.filter(company=company, location_id__in=list(location_warehouse))
        .values("product_id", "location_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "location_id", "total")
    )
    for product_id, location_id, total in quants:
        on_hand[(product_id, location_warehouse[location_id])] += total or ZERO
    incoming: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    outgoing: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    moves = (
        Move.objects.filter(
            company=company,
            transfer__state__in=OPEN_STATES,
            expected_date__lte=on + datetime.timedelta(days=HORIZON_DAYS),
        )
        .filter(
            Q(dest_location_id__in=list(location_warehouse))
            | Q(source_location_id__in=list(location_warehouse))
        )
        .values("product_id", "source_location_id", "dest_location_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "source_location_id", "dest_location_id", "total")
    )
    for product_id, source, dest, total in moves:
        into, out_of = location_warehouse.get(dest), location_warehouse.get(source)
        if into == out_of:
            continue  # inside one warehouse: nothing changes its stock
        if into is not None:
            incoming[(product_id, into)] += total
        if out_of is not None:
            outgoing[(product_id, out_of)] += total
    pending: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    requests = (
        PurchaseRequest.objects.filter(company=company, state="open", warehouse_id__in=warehouses)
        .values("product_id", "warehouse_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "warehouse_id", "total")
    )
    lines = (
        PurchaseOrderLine.objects.filter(
            order__company=company, order__state__in=PENDING_ORDER_STATES, order__warehouse_id__in=warehouses
        )
        .values("product_id", "order__warehouse_id")
        .annotate(total=Sum("quantity"))
        .values_list("product_id", "order__warehouse_id", "total")
    )
    for product_id, warehouse_id, total in [*requests, *lines]:
        if (product_id, warehouse_id) in wanted:
            pending[(product_id, warehouse_id)] += total
    leads = dict(
        SupplierPrice.objects.filter(company=company, active=True)
        .values("product_id")
        .annotate(days=Min("lead_time_days"))
        .values_list("product_id", "days")
    )
    return [
        RuleRow(
            pk,
            product_id,
            warehouse_id,
            low,
            high,
            multiple,
            safety,
            on_hand[(product_id, warehouse_id)],
            incoming[(product_id, warehouse_id)],
            outgoing[(product_id, warehouse_id)],
            pending[(product_id, warehouse_id)],
            int(leads.get(product_id) or 0),
        )
        for pk, product_id, warehouse_id, low, high, multiple, safety in chosen
    ]


# --- capable-to-promise ---------------------------------------------------------------------------


def capable_to_promise(
    product: Product,
    quantity: Any,
    *,
    warehouse: Warehouse | None = None,
    today: datetime.date | None = None,
    returned: dict[int, Sequence[tuple[datetime.date, Decimal]]] | None = None,
) -> CapableToPromise:
    """The earliest day ``quantity`` (the product's unit) of ``product`` can be delivered from
    ``warehouse`` (the company's first) — from stock, open supply and new production within the
    components' availability, lead times and the work centres' remaining capacity — and the
    reasoning (``planning.promise``). ``returned`` gives the asker's own outgoing moves back to
    the projection (``{product id: [(day, quantity)]}``). A bad quantity, or a company with no
    warehouse, raises ``ValidationFailed`` (nothing is written: this only reads)."""
    errors: dict[str, list[str]] = {}
    amount = read_decimal(quantity, "quantity", errors, least="above zero")
    if product.kind == Product.Kind.SERVICE and not errors:
        errors["product"] = [_("A service is not kept in stock or made.")]
    if warehouse is None:
        warehouse = (
            Warehouse.objects.filter(company_id=product.company_id, active=True).order_by("id").first()
        )
        if warehouse is None:
            errors["warehouse"] = [_("The company has no warehouse to deliver from.")]
    elif warehouse.company_id != product.company_id:
        errors["warehouse"] = [_("This choice belongs to another company.")]
    if errors or warehouse is None:
        raise ValidationFailed(errors)
    return promise.promise(
        product.company, product, amount, warehouse, today or timezone.localdate(), returned
    )


def made_products(company: Company, product_ids: Iterable[int], on: datetime.date | None = None) -> set[int]:
    """Which of the products have a bill of materials valid on ``on`` (today): made, not bought."""
    rows = manufacturing.valid_on(
        Bom.objects.filter(company=company, active=True, product_id__in=list(product_ids)),
        on or timezone.localdate(),
    )
    return set(rows.values_list("product_id", flat=True))


# --- pegging: the demands a planned order, and the order it was released into, are for ---------


@dataclass(frozen=True)
class Pegging:
    """The demands a planned order (or the manufacturing order or purchase request it became) meets:
    ``pegs`` each with its quantity (its move, or the planned order it waits on), ``free`` what it
    brings for no demand (stock floors, forecasts, a lot size's rest)."""

    quantity: Decimal
    pegs: list[Peg]
    free: Decimal


def pegging(record: Model) -> Pegging | None:
    """The pegging of a planned order, a manufacturing order or a purchase request (None for one
    neither MRP planned nor made to order for a move): its pegs with their documents in one query
    (a purchase request: and the planned order it was released from in one more). A manufacturing
    order's pegs are its planned order's or, made to order, its own."""
    order: tuple[int, Decimal] | None
    company_id = record.company_id  # type: ignore[attr-defined]
    related = ("demand_move__transfer", "demand_move__product", "parent__product")
    if isinstance(record, ManufacturingOrder):
        pegs = list(
            Peg.objects.filter(company_id=company_id)
            .filter(Q(manufacturing_order=record) | Q(planned_order__manufacturing_order=record))
            .select_related(*related)
            .order_by("id")
        )
        if not pegs and record.source != ManufacturingOrder.Source.MRP:
            return None  # by a reorder rule or by hand: for no demand
        return Pegging(record.quantity, pegs, _free(record.quantity, pegs))
    if isinstance(record, PlannedOrder):
        order = (record.pk, record.quantity)
    else:
        order = (
            PlannedOrder.objects.filter(company_id=company_id, purchase_request=record.pk)
            .order_by("-id")
            .values_list("pk", "quantity")
            .first()
        )
    if order is None:
        return None
    pegs = list(
        Peg.objects.filter(company_id=company_id, planned_order_id=order[0])
        .select_related(*related)
        .order_by("id")
    )
    return Pegging(order[1], pegs, _free(order[1], pegs))


def _free(quantity: Decimal, pegs: list[Peg]) -> Decimal:
    return max(quantity - sum((p.quantity for p in pegs), Decimal(0)), Decimal(0))


def pegged_orders(transfer_ids: Iterable[int]) -> QuerySet[Peg]:
    """The pegs of manufacturing orders MRP released for moves of ``transfer_ids`` — as a subquery:
    ``.values("planned_order__manufacturing_order")`` gives the orders made (partly) for them."""
    return Peg.objects.filter(
        demand_move__transfer_id__in=list(transfer_ids), planned_order__manufacturing_order__isnull=False
    )


Demanded = tuple[int | None, int | None, str | None, int | None, Decimal]


@dataclass
class LineDemands:
    """What one RFQ line is bought for: ``order_by`` the earliest day MRP said to order its
    requests, ``demands`` ``(move, transfer id, transfer number, parent planned order, quantity)``
    per demand their planned orders were pegged to, in the order MRP met them (one demand met by
    two of its requests once, their quantities added)."""

    line: int
    order_by: datetime.date | None = None
    demands: list[Demanded] = field(default_factory=list)


def bought_for(order: Model) -> list[LineDemands]:
    """Per line of the purchase order ``order`` that gathers purchase requests MRP released: the
    demands their planned orders were pegged to and the day to order by — one query whatever the
    number of lines, requests and pegs (the planned orders, their pegs left-joined)."""
    rows = (
        PlannedOrder.objects.filter(
            company_id=order.company_id,  # type: ignore[attr-defined]
            purchase_request__order_line__order_id=order.pk,
        )
        .order_by("purchase_request__order_line_id", "pk", "pegs__id")
        .values_list(
            "purchase_request__order_line_id",
            "purchase_request__order_by",
            "pegs__demand_move_id",
            "pegs__demand_move__transfer_id",
            "pegs__demand_move__transfer__number",
            "pegs__parent_id",
            "pegs__quantity",
        )
    )
    lines: dict[int, LineDemands] = {}
    for line_id, order_by, move_id, transfer_id, number, parent_id, quantity in rows:
        found = lines.setdefault(line_id, LineDemands(line_id))
        if order_by is not None and (found.order_by is None or order_by < found.order_by):
            found.order_by = order_by
        if quantity is None:
            continue  # a request planned for no demand (a forecast, a floor)
        for n, (move, transfer, known, parent, had) in enumerate(found.demands):
            if (move, parent) == (move_id, parent_id):
                found.demands[n] = (move, transfer, known, parent, had + quantity)
                break
        else:
            found.demands.append((move_id, transfer_id, number, parent_id, quantity))
    return list(lines.values())
