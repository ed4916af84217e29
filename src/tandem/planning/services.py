"""What to buy and when. ``replenish(company, needs)`` is the one entry point: shortages from
reservations (``inventory.services.reserve``), reorder rules, and later sales and MRP all turn
into purchase requests through it (manufacturing orders, when that app arrives, from the same
place by the product's route).

``run_reorder_rules`` checks every active rule of a company in a few grouped queries (stock on
hand, open moves, what is already being bought), whatever the number of rules, and asks
``replenish`` for what falls short.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.catalog.models import Product
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import read_decimal
from tandem.core.versioning import update_versioned
from tandem.inventory.models import Warehouse
from tandem.planning import make_to_order, queries
from tandem.planning.models import ReorderRule
from tandem.purchasing import services as purchasing
from tandem.purchasing.models import PurchaseRequest

ZERO = Decimal(0)
RULE_FIELDS = ["product", "warehouse", "min_quantity", "max_quantity", "multiple", "safety_stock", "active"]


@dataclass(frozen=True)
class Need:
    """``quantity`` (product unit) of ``product`` wanted in ``warehouse`` by ``date``.

    ``inventory.services.Shortage`` has the same fields and may be given as it is."""

    product: Product
    warehouse: Warehouse
    quantity: Decimal
    date: datetime.date
    origin: str = ""


# --- reorder rules ------------------------------------------------------------------------------


def _normalized_rule(
    company: Company, fields: Mapping[str, Any], current: ReorderRule | None
) -> dict[str, Any]:
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    data = dict(fields)
    errors: dict[str, list[str]] = {}
    for name in ("min_quantity", "max_quantity", "multiple", "safety_stock"):
        if name in data:
            data[name] = read_decimal(data[name], name, errors, least="zero")
    low = data.get("min_quantity", current.min_quantity if current else ZERO)
    high = data.get("max_quantity", current.max_quantity if current else ZERO)
    if "max_quantity" not in errors and high < low:
        errors["max_quantity"] = [_("The maximum is below the minimum.")]
    if "multiple" in data and "multiple" not in errors and data["multiple"] <= 0:
        errors["multiple"] = [_("Order in multiples above zero.")]
    for name in ("product", "warehouse"):
        obj = data.get(name)
        if obj is not None and obj.company_id != company.pk:
            errors[name] = [_("This choice belongs to another company.")]
    product = data.get("product", current.product if current else None)
    if product is not None and "product" not in errors and product.kind == Product.Kind.SERVICE:
        errors["product"] = [_("A service is not kept in stock.")]
    warehouse = data.get("warehouse", current.warehouse if current else None)
    if product is not None and warehouse is not None and not errors:
        others = ReorderRule.objects.filter(company=company, product=product, warehouse=warehouse)
        if current is not None:
            others = others.exclude(pk=current.pk)
        if others.exists():
            errors["product"] = [_("This product already has a rule in this warehouse.")]
    if errors:
        raise ValidationFailed(errors)
    return data


@transaction.atomic
def create_rule(company: Company, actor: User | None, **fields: Any) -> ReorderRule:
    data = _normalized_rule(company, fields, None)
    missing = {
        name: [_("This field is required.")] for name in ("product", "warehouse") if data.get(name) is None
    }
    if missing:
        raise ValidationFailed(missing)
    rule = ReorderRule.objects.create(company=company, **data)
    events.record(
        "reorderrule.created",
        rule,
        actor,
        {
            "product": rule.product.sku,
            "warehouse": rule.warehouse.code,
            "min": str(rule.min_quantity),
            "max": str(rule.max_quantity),
        },
    )
    return rule


@transaction.atomic
def update_rule(
    rule: ReorderRule, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> ReorderRule:
    data = _normalized_rule(rule.company, fields, rule)
    return update_versioned(rule, actor, data, expected_version=expected_version, event="reorderrule.updated")


# --- replenishing -------------------------------------------------------------------------------


def order_quantity(projected: Decimal, rule: ReorderRule | queries.RuleRow) -> Decimal:
    """What a rule orders when the projected stock is ``projected``: nothing while it stays at
    or above the minimum plus the safety stock, else up to the maximum plus the safety stock,
    rounded up to the multiple. A pure function."""
    if projected >= rule.min_quantity + rule.safety_stock:
        return ZERO
    wanted = rule.max_quantity + rule.safety_stock - projected
    multiple = rule.multiple if rule.multiple > 0 else Decimal(1)
    return (wanted / multiple).to_integral_value(rounding=ROUND_CEILING) * multiple


def replenish(
    company: Company, needs: Iterable[Any], *, actor: User | None = None, origin: str = ""
) -> list[PurchaseRequest]:
    """Turn needs into supply. A product made to order (``Product.make_to_order`` with a bill of
    materials) gets a confirmed manufacturing order per need, linked to the move that wants it
    (``planning.make_to_order``); a product made to stock (a bill of materials, not made to
    order) is left to the MRP run, which plans it from the same demand — it is never bought;
    the rest — and what those orders' components lack and is bought — become purchase
    requests, one per product and warehouse (the quantities of a
    product wanted at once are added up; the earliest date is kept), written in bulk. Returns
    the purchase requests."""
    wanted = [need for need in needs if need.quantity > 0]
    to_make, to_buy = make_to_order.made_to_order(company, wanted)
    made_to_stock = queries.made_products(company, {need.product.pk for need in to_buy}) if to_buy else set()
    to_buy = [need for need in to_buy if need.product.pk not in made_to_stock]
    if to_make:
        to_buy += make_to_order.make(company, to_make, actor=actor, origin=origin).to_buy
    grouped: dict[tuple[int, int], list[Any]] = {}
    for need in to_buy:
        grouped.setdefault((need.product.pk, need.warehouse.pk), []).append(need)
    rows = [
        purchasing.RequestData(
            product=group[0].product,
            quantity=sum((row.quantity for row in group), ZERO),
            needed_by=min(row.date for row in group),
            warehouse=group[0].warehouse,
            origin=getattr(group[0], "origin", "") or origin,
        )
        for group in grouped.values()
    ]
    created = purchasing.create_requests(company, actor, rows)
    return created


@dataclass(frozen=True)
class RunResult:
    rules: int
    requests: list[PurchaseRequest]


def run_reorder_rules(
    company: Company,
    actor: User | None = None,
    *,
    on: datetime.date | None = None,
    rules: Iterable[ReorderRule] | None = None,
) -> RunResult:
    """Check the company's active rules (or ``rules``) and ask for what falls short.

    Projected stock counts on hand, open moves expected within ``queries.HORIZON_DAYS`` and what
    is already being bought (open requests, RFQs not confirmed yet), so running twice asks
    nothing more the second time."""
    on = on or timezone.localdate()
    rows = queries.rule_rows(company, on, [r.pk for r in rules] if rules is not None else None)
    products = Product.objects.in_bulk({row.product_id for row in rows})
    warehouses = Warehouse.objects.in_bulk({row.warehouse_id for row in rows})
    needs = []
    for row in rows:
        quantity = order_quantity(row.projected, row)
        if quantity > 0:
            needs.append(
                Need(
                    products[row.product_id],
                    warehouses[row.warehouse_id],
                    quantity,
                    on + datetime.timedelta(days=row.lead_days),
                    _("Reorder rule: %(warehouse)s") % {"warehouse": warehouses[row.warehouse_id].code},
                )
            )
    with transaction.atomic():
        created = replenish(company, needs, actor=actor)
        events.record(
            "planning.replenished",
            None,
            actor,
            {"rules": len(rows), "requests": len(created), "origin": "reorder rules"},
            company=company,
        )
    return RunResult(len(rows), created)
