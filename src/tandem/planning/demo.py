"""Planning's part of the demo company: reorder rules on the materials of the first warehouse,
set above what is in stock, so that the first run (the button or the night's job) proposes
purchase requests; forecasts for the furniture made (the products whose bill of materials no
other uses) next month and the month after, lot sizing on the bought components, and one MRP
run over them, so that the MRP page proposes manufacturing orders and purchases from the
start (and a new run does again). Deterministic; runs after purchasing's and manufacturing's
parts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.demo import Demo
from tandem.core.models import User
from tandem.inventory.models import Warehouse
from tandem.manufacturing.queries import BomBook
from tandem.planning import mrp_services, queries, services
from tandem.planning.models import MrpRun, ReorderRule
from tandem.purchasing.models import SupplierPrice

RULES = 8
FORECASTS = 4


def build(demo: Demo) -> dict[str, int]:
    company = demo.company
    warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
    if warehouse is None:
        return {"reorder_rules": 0}
    bought = SupplierPrice.objects.filter(company=company, active=True).values("product")
    products = list(
        Product.objects.filter(company=company, active=True, pk__in=bought)
        .exclude(kind=Product.Kind.SERVICE)
        .order_by("sku")[:RULES]
    )
    actor = demo.users.get("piotr")
    with transaction.atomic():
        rules = {
            services.create_rule(
                company, actor, product=p, warehouse=warehouse, multiple=10, safety_stock=5
            ).pk: p
            for p in products
        }
        for row in queries.rule_rows(company, timezone.localdate(), list(rules)):
            low = max(row.projected, Decimal(0)).quantize(Decimal(1)) + 20  # above what is there and coming
            rule = ReorderRule.objects.get(pk=row.rule_id)
            services.update_rule(rule, actor, min_quantity=low, max_quantity=low + 80)
    return {"reorder_rules": len(rules), **_mrp(demo, actor)}


def _mrp(demo: Demo, actor: User | None) -> dict[str, int]:
    company = demo.company
    today = timezone.localdate()
    book = BomBook(company.pk, today)
    used = {line.product_id for bom in book.by_product.values() for line in bom.lines.all()}
    finished = sorted(
        (
            bom.product
            for bom in book.by_product.values()
            if bom.product_id not in used and bom.kind == "normal"
        ),
        key=lambda product: product.sku,
    )[:FORECASTS]
    first = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    months = [first, (first + datetime.timedelta(days=32)).replace(day=1)]
    with transaction.atomic():
        forecasts = [
            mrp_services.create_forecast(company, actor, product=product, month=month, quantity=6 + 2 * n)
            for n, product in enumerate(finished)
            for month in months
        ]
        bought = SupplierPrice.objects.filter(company=company, active=True, product_id__in=used)
        for n, product_id in enumerate(sorted(set(bought.values_list("product_id", flat=True)))[:3]):
            product = Product.objects.get(pk=product_id)
            mrp_services.create_product_planning(
                company, actor, product=product, policy=("multiple", "minimum", "period")[n],
                lot_quantity=(10, 25, 14)[n],
            )  # fmt: skip
    run = mrp_services.run_mrp(MrpRun.objects.create(company=company, horizon_days=90, started_by=actor))
    return {"forecasts": len(forecasts), "planned_orders": run.planned_orders}
