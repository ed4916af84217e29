"""Planning's part of the demo company: reorder rules on the materials of the first warehouse,
set above what is in stock, so that the first run (the button or the night's job) proposes
purchase requests. Deterministic; runs after purchasing's part."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.demo import Demo
from tandem.inventory.models import Warehouse
from tandem.planning import queries, services
from tandem.planning.models import ReorderRule
from tandem.purchasing.models import SupplierPrice

RULES = 8


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
    return {"reorder_rules": len(rules)}
