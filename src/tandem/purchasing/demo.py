"""Purchasing's part of the demo company: supplier prices with lead times (two suppliers per
material, one with a quantity break), the approval chain (Anna from 5,000 EUR, Ada from
20,000 EUR), a 5 % over-receipt tolerance, and orders in every state — RFQs drafted and sent,
one waiting for approval, confirmed ones expected, one partly received with its backorder,
received ones, one of them billed. Deterministic; runs after inventory's part."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.demo import Demo
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.purchasing import queries, services
from tandem.purchasing.models import PurchaseOrder

CENT = Decimal("0.01")


def build(demo: Demo) -> dict[str, int]:
    company, rng = demo.company, random.Random(15)
    piotr = demo.users.get("piotr")
    admin = demo.users.get("admin")
    anna = demo.users.get("anna")
    today = timezone.localdate()
    with transaction.atomic():
        suppliers = list(
            Partner.objects.filter(company=company, is_supplier=True, active=True).order_by("id")[:6]
        )
        if len(suppliers) < 2 or piotr is None:
            return {"supplier_prices": 0, "purchase_orders": 0}
        materials = list(
            Product.objects.filter(company=company, active=True, kind=Product.Kind.CONSUMABLE).order_by("sku")
        ) + list(
            Product.objects.filter(company=company, active=True, kind=Product.Kind.GOODS).order_by("sku")[:12]
        )
        prices = 0
        for n, product in enumerate(materials):
            first, second = suppliers[n % len(suppliers)], suppliers[(n + 1) % len(suppliers)]
            base = product.cost or Decimal(10)
            for supplier, factor, lead in (
                (first, Decimal("0.95"), rng.randint(7, 21)),
                (second, Decimal("1.05"), rng.randint(2, 6)),
            ):
                services.create_supplier_price(
                    company,
                    piotr,
                    partner=supplier,
                    product=product,
                    price=(base * factor).quantize(CENT),
                    lead_time_days=lead,
                    supplier_sku=f"{supplier.pk}-{product.sku}"[:64],
                )
                prices += 1
            services.create_supplier_price(
                company,
                piotr,
                partner=first,
                product=product,
                price=(base * Decimal("0.88")).quantize(CENT),
                min_quantity=100,
                lead_time_days=21,
            )
            prices += 1
        if anna is not None:
            services.create_approval_level(company, admin, name="Manager", min_amount="5000", approver=anna)
        if admin is not None:
            services.create_approval_level(
                company, admin, name="Director", min_amount="20000", approver=admin
            )
        services.update_settings(company, admin, receipt_tolerance="5")
        warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
        if warehouse is None:
            warehouse = inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
        orders = _orders(company, piotr, anna, suppliers, materials, warehouse, today, rng)
    return {"supplier_prices": prices, "purchase_orders": orders}


def _order(company, piotr, supplier, products, warehouse, on, rng, quantity=None):  # type: ignore[no-untyped-def]
    return services.create_order(
        company,
        piotr,
        partner=supplier,
        order_date=on,
        warehouse=warehouse,
        lines=[
            services.OrderLineData(product=p, quantity=quantity or rng.choice((10, 20, 40, 60)))
            for p in products
        ],
    )


def _orders(company, piotr, anna, suppliers, materials, warehouse, today, rng) -> int:  # type: ignore[no-untyped-def]
    made = 0
    picks = lambda k: rng.sample(materials, k)  # noqa: E731
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    # RFQs: two drafts, one sent
    for n in range(2):
        _order(company, piotr, suppliers[n], picks(2), warehouse, today, rng)
        made += 1
    sent = _order(company, piotr, suppliers[2 % len(suppliers)], picks(3), warehouse, ago(1), rng)
    if sent.partner.email:
        services.send_order(sent, piotr)
    made += 1
    # one large order waiting for Anna
    big = _order(company, piotr, suppliers[0], picks(2), warehouse, ago(2), rng, quantity=400)
    services.confirm_order(big, piotr)
    made += 1
    # confirmed, expected; partly received (backorder); received; received and billed
    for n, (days, share) in enumerate(
        ((3, None), (8, None), (20, Decimal("0.5")), (40, Decimal(1)), (60, Decimal(1)))
    ):
        order = _order(company, piotr, suppliers[n % len(suppliers)], picks(2), warehouse, ago(days), rng)
        order = _confirmed(order, piotr, anna)
        if share is not None and order.state == PurchaseOrder.State.CONFIRMED:
            quantities = {line.pk: (line.quantity * share).quantize(Decimal(1)) for line in order.lines.all()}
            services.receive_order(order, piotr, quantities=quantities)
        if n == 4 and order.state == PurchaseOrder.State.RECEIVED:
            services.bill_order(order, piotr, invoice_date=ago(days - 5))
        made += 1
    return made


def _confirmed(order: PurchaseOrder, piotr, anna) -> PurchaseOrder:  # type: ignore[no-untyped-def]
    order = services.confirm_order(order, piotr)
    while order.state == PurchaseOrder.State.TO_APPROVE and (level := queries.next_level(order)) is not None:
        order = services.approve_order(order, level.approver)
    return order
