"""Inventory's part of the demo company: two warehouses (Ljubljana with shelves, Zagreb), their
opening stock of furniture, wood materials (oak edge banding, oil, varnish), fabric (in lots)
and hardware, valued at the products' costs (so the stock valuation report and the balance
sheet agree), a supplier's receipt due next week (part of it arrived: a backorder), a
customer's delivery reserved and one shipped. Zagreb picks, packs and ships its deliveries and
receives in two steps (input, then store), so those screens hold a route under way on the
first run: a delivery picked and waiting to be packed, a receipt in Input waiting to be stored."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import cast

from django.utils import timezone

from tandem.catalog.models import Product
from tandem.catalog.services import update_product
from tandem.core.demo import Demo
from tandem.inventory import services
from tandem.inventory.models import Location, Warehouse
from tandem.inventory.services import OpeningLine
from tandem.partners.models import Partner

# The catalogue's demo sells no timber boards; its wood materials are oak edge banding and the finishes.
WOOD = ("FIN-EDGE-OAK", "FIN-OIL", "FIN-VARNISH")
FABRIC = "UPH-FABRIC-GREY"
HARDWARE = ("HW-SCREW-440", "HW-CONFIRMAT", "HW-FELT")


def build(demo: Demo) -> dict[str, int]:
    company = demo.company
    actor = demo.users.get("wanda") or next(iter(demo.users.values()))
    today = timezone.localdate()
    products = Product.objects.filter(company=company, active=True)
    furniture = list(
        products.filter(kind="goods", category__path__startswith="Furniture").order_by("sku")[:12]
    )
    timber = list(products.filter(sku__in=WOOD).order_by("sku"))
    fabric = products.filter(sku=FABRIC).first()
    if fabric is not None and fabric.tracking != Product.Tracking.LOT:
        fabric = update_product(fabric, actor, tracking=Product.Tracking.LOT)
    hardware = list(products.filter(sku__in=HARDWARE).order_by("sku"))
    main = services.create_warehouse(company, actor, name="Ljubljana", code="LJ")
    south = services.create_warehouse(company, actor, name="Zagreb", code="ZG")
    main_stock, south_stock = cast(Location, main.stock_location), cast(Location, south.stock_location)
    shelves = [
        services.create_location(
            company, actor, name=f"A-{n:02d}", parent=main_stock, barcode=f"LJ-A-{n:02d}"
        )
        for n in range(1, 5)
    ]
    opening = [
        *(
            OpeningLine(p, shelves[n % len(shelves)], 4 + (n * 3) % 11, unit_cost=p.cost)
            for n, p in enumerate(furniture)
        ),
        *(OpeningLine(p, main_stock, 120, unit_cost=p.cost) for p in timber),
        *(OpeningLine(p, main_stock, 40, unit_cost=p.cost) for p in hardware),
    ]
    if fabric is not None:
        opening += [
            OpeningLine(fabric, shelves[0], 45, "GW-2611", today + datetime.timedelta(days=400), fabric.cost),
            OpeningLine(fabric, shelves[1], 30, "GW-2612", today + datetime.timedelta(days=430), fabric.cost),
        ]
    moves = len(opening)
    services.import_opening_stock(company, actor, opening)
    south_lines = [
        OpeningLine(p, south_stock, 2 + n % 5, unit_cost=p.cost) for n, p in enumerate(furniture[:6])
    ]
    if south_lines:
        services.import_opening_stock(company, actor, south_lines)
        moves += len(south_lines)
    supplier = Partner.objects.filter(company=company, kind="organisation").order_by("id").first()
    customer = Partner.objects.filter(company=company, kind="organisation").order_by("-id").first()
    transfers = 2 + (1 if south_lines else 0)
    if timber and supplier is not None:
        receipt = services.create_receipt(
            company, supplier, [(timber[0], 80, None, today + datetime.timedelta(days=7))],
            origin="PO-DEMO-1", actor=actor, warehouse=main,
        )  # fmt: skip
        services.validate_transfer(receipt, {receipt.moves.get().pk: Decimal(50)}, actor)
        transfers += 2
    if furniture and customer is not None:
        shipped = services.create_delivery(
            company, customer, [(furniture[0], 2)], origin="SO-DEMO-1", actor=actor, warehouse=main
        )
        services.reserve(shipped, actor)
        services.validate_transfer(shipped, actor=actor)
        later = today + datetime.timedelta(days=3)
        waiting = services.create_delivery(
            company, customer, [(furniture[1], 3, None, later), (furniture[2], 1)],
            origin="SO-DEMO-2", actor=actor, warehouse=main,
        )  # fmt: skip
        services.reserve(waiting, actor)
        transfers += 2
    transfers += _routes(demo, south, furniture[:6], timber, supplier, customer, today)
    return {"warehouses": 2, "locations": len(shelves), "opening moves": moves, "transfers": transfers}


def _routes(
    demo: Demo,
    site: Warehouse,
    stocked: list[Product],
    timber: list[Product],
    supplier: Partner | None,
    customer: Partner | None,
    today: datetime.date,
) -> int:
    """Zagreb in three steps out and two in, with a delivery and a receipt half-way along."""
    company = demo.company
    actor = demo.users.get("wanda") or next(iter(demo.users.values()))
    site = services.update_warehouse(
        site,
        actor,
        delivery_steps=Warehouse.DeliverySteps.THREE,
        reception_steps=Warehouse.ReceptionSteps.TWO,
    )
    made = 0
    if stocked and customer is not None:
        pick = services.create_delivery(
            company, customer, [(stocked[0], 1)], origin="SO-DEMO-ZG-1", actor=actor, warehouse=site,
            scheduled_date=today + datetime.timedelta(days=1),
        )  # fmt: skip
        services.reserve(pick, actor)
        services.validate_transfer(pick, actor=actor)  # picked to Packing: the pack step is ready
        made += len(services.chain(pick))
    if len(timber) > 1 and supplier is not None:
        receipt = services.create_receipt(
            company, supplier, [(timber[1], 30)], origin="PO-DEMO-ZG-1", actor=actor, warehouse=site
        )
        services.validate_transfer(receipt, actor=actor)  # in Input: the store step is ready
        made += len(services.chain(receipt))
    return made
