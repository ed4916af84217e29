"""Inventory's part of the demo company: two warehouses (Ljubljana with shelves, Zagreb), their
opening stock of furniture, wood materials (oak edge banding, oil, varnish), fabric (in lots)
and hardware, valued at the products' costs (so the stock valuation report and the balance
sheet agree), a supplier's receipt due next week (part of it arrived: a backorder), a
customer's delivery reserved and one shipped; the receipt's freight on its goods' value and
two count sheets (one applied, one waiting). Zagreb picks, packs and ships its deliveries and
receives in two steps (input, then store), so those screens hold a route under way on the
first run: a delivery picked and waiting to be packed, a receipt in Input waiting to be stored."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import cast

from django.utils import timezone

from tandem.accounting.models import Account
from tandem.catalog.models import Product
from tandem.catalog.services import update_product
from tandem.core.demo import Demo
from tandem.core.models import Company, User
from tandem.inventory import services
from tandem.inventory.models import Count, Location, Transfer, Warehouse
from tandem.inventory.services import OpeningLine, landed_costs
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
        _freight(company, actor, receipt)
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
    counts = _counts(company, actor, shelves)
    return {
        "warehouses": 2, "locations": len(shelves), "opening moves": moves, "transfers": transfers,
        "counts": counts,
    }  # fmt: skip


def _freight(company: Company, actor: User | None, receipt: Transfer) -> None:
    """The carrier's freight on the part of the receipt that arrived, spread by quantity and owed
    until its bill comes (accrued costs): the landed-costs page and the goods' value show it."""
    accrued = Account.objects.filter(company=company, code="2900").first()
    if accrued is None:  # a chart without accrued costs: no freight to show
        return
    receipt.refresh_from_db()
    freight = landed_costs.create_landed_cost(
        company, actor, receipt=receipt, split="quantity", reference="DHL 4471",
        lines=[{"description": "Freight", "account": accrued, "amount": Decimal("85")}],
    )  # fmt: skip
    landed_costs.validate_landed_cost(freight, actor)


def _counts(company: Company, actor: User | None, shelves: list[Location]) -> int:
    """Shelf A-01 counted last week, one piece short and applied (its loss posted); A-02 counted
    today and waiting to be applied, one piece found."""
    week_ago = timezone.localdate() - datetime.timedelta(days=7)
    done = services.create_count(company, actor, location=shelves[0], date=week_ago)
    if not done.lines.exists():
        return 0
    services.record_counted(done, actor, _first_off_by(done, -1))
    services.apply_count(done, actor)
    waiting = services.create_count(company, actor, location=shelves[1])
    services.record_counted(waiting, actor, _first_off_by(waiting, 1))
    return 2


def _first_off_by(count: Count, difference: int) -> dict[int, Decimal]:
    """What was found on the sheet: what the books expect, the first line off by ``difference``."""
    lines = list(count.lines.order_by("id"))
    return {line.pk: line.expected + (difference if n == 0 else 0) for n, line in enumerate(lines)}


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
