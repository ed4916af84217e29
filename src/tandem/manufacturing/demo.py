"""Manufacturing's part of the demo furniture maker: four work centres (cutting, joinery,
upholstery, finishing, on Slovenia's public holidays) with routings; chairs of up to four levels
(chair → frame → leg set → oak board, with a hardware kit exploded where it is used and an
upholstered seat of fabric from its lots); quality check points; raw materials in stock; and
manufacturing orders in every state. Deterministic; runs after inventory and purchasing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum import ean

from tandem.catalog.demo import GS1_PREFIX
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core.demo import Demo
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, ManufacturingOrder
from tandem.manufacturing.services import LineData, OperationData

CHAIRS = 3
# (SKU, name, unit, cost, price as a spare part): what is bought, then what is made (or kitted)
# on the way to a chair
MATERIALS = (
    ("MFG-OAK", "Oak board 22 mm", "m", "18.00", "29.00"),
    ("MFG-FOAM", "Foam pad 40 mm", "pcs", "6.50", "12.00"),
    ("MFG-BRK", "Steel corner bracket", "pcs", "1.20", "2.50"),
    ("MFG-SCR", "Wood screw 4×40", "pcs", "0.05", "0.15"),
)
PARTS = (
    ("MFG-LEGS", "Chair leg set, oak", "pcs", "30.00", "49.00"),
    ("MFG-FRAME", "Chair frame, oak", "pcs", "95.00", "149.00"),
    ("MFG-SEAT", "Upholstered seat, grey", "pcs", "40.00", "69.00"),
    ("MFG-KIT", "Chair hardware kit", "pcs", "5.00", "9.00"),
)
BARCODES_FROM = 90_001  # after the catalogue's own numbers


def _barcode(number: int) -> str:
    body = f"{GS1_PREFIX}{number:05d}"
    return body + ean.calc_check_digit(body)


def build(demo: Demo) -> dict[str, int]:
    company = demo.company
    warehouse = Warehouse.objects.filter(company=company, active=True).order_by("id").first()
    if warehouse is None or warehouse.stock_location is None:
        return {"boms": 0}
    actor = demo.users.get("petra") or demo.users.get("admin") or next(iter(demo.users.values()))
    worker = demo.users.get("marko") or actor
    with transaction.atomic():
        units = {u.code: u for u in Uom.objects.filter(code__in=["pcs", "m", "l"])}
        made = {
            sku: create_product(
                company, actor, kind="goods", name=name, sku=sku, uom=units[unit], cost=Decimal(cost),
                sales_price=Decimal(price), barcode=_barcode(BARCODES_FROM + n),
            )
            for n, (sku, name, unit, cost, price) in enumerate((*MATERIALS, *PARTS))
        }  # fmt: skip
        bought = {row[0]: made[row[0]] for row in MATERIALS}
        parts = {row[0]: made[row[0]] for row in PARTS}
        fabric = Product.objects.filter(company=company, sku="UPH-FABRIC-GREY").first()
        varnish = Product.objects.filter(company=company, sku="FIN-VARNISH").first()
        in_chairs = Product.objects.filter(company=company, category__path="Furniture / Chairs", active=True)
        chairs = list(in_chairs.order_by("sku")[:CHAIRS])
        centres = {
            code: services.create_work_centre(
                company, actor, name=name, code=code, cost_per_hour=cost, holiday_country="SI"
            )
            for code, name, cost in (
                ("CUT", "Cutting", "30"),
                ("JOIN", "Joinery", "40"),
                ("UPH", "Upholstery", "36"),
                ("FIN", "Finishing", "28"),
            )
        }
        routings = {
            "legs": services.create_routing(
                company,
                actor,
                name="Leg set",
                operations=[OperationData("Cut legs", centres["CUT"], "10", "4")],
            ),
            "frame": services.create_routing(
                company,
                actor,
                name="Chair frame",
                operations=[
                    OperationData("Cut rails", centres["CUT"], "20", "6"),
                    OperationData("Join frame", centres["JOIN"], "0", "25"),
                ],
            ),
            "seat": services.create_routing(
                company,
                actor,
                name="Seat",
                operations=[OperationData("Upholster", centres["UPH"], "15", "20")],
            ),
            "chair": services.create_routing(
                company,
                actor,
                name="Chair",
                operations=[OperationData("Assemble and varnish", centres["FIN"], "10", "25")],
            ),
        }
        services.create_bom(
            company, actor, product=parts["MFG-KIT"], kind=Bom.Kind.PHANTOM,
            lines=[LineData(bought["MFG-SCR"], "12"), LineData(bought["MFG-BRK"], "4")],
        )  # fmt: skip
        legs = services.create_bom(
            company, actor, product=parts["MFG-LEGS"], routing=routings["legs"],
            lines=[LineData(bought["MFG-OAK"], "1.2", scrap_percent="8")],
        )  # fmt: skip
        frame = services.create_bom(
            company, actor, product=parts["MFG-FRAME"], routing=routings["frame"],
            lines=[
                LineData(parts["MFG-LEGS"], "1"),
                LineData(bought["MFG-OAK"], "1.5", scrap_percent="10"),
                LineData(parts["MFG-KIT"], "1"),
            ],
        )  # fmt: skip
        seat_lines = [LineData(bought["MFG-FOAM"], "1")]
        if fabric is not None:
            seat_lines.append(LineData(fabric, "0.8"))
        seat = services.create_bom(
            company, actor, product=parts["MFG-SEAT"], routing=routings["seat"], lines=seat_lines
        )
        chair_boms = []
        for chair in chairs:
            lines = [
                LineData(parts["MFG-FRAME"], "1"),
                LineData(parts["MFG-SEAT"], "1"),
                LineData(parts["MFG-KIT"], "1"),
            ]
            if varnish is not None:
                lines.append(LineData(varnish, "0.25"))
            chair_boms.append(
                services.create_bom(company, actor, product=chair, routing=routings["chair"], lines=lines)
            )
            services.create_quality_point(company, actor, title="Finish inspection", product=chair)
        join = routings["frame"].operations.get(sequence=20)
        services.create_quality_point(
            company, actor, title="Joint strength", product=parts["MFG-FRAME"], operation=join,
            kind="measure", minimum="50", maximum="80", unit="N",
        )  # fmt: skip
        inventory.import_opening_stock(
            company,
            actor,
            [
                inventory.OpeningLine(bought["MFG-OAK"], warehouse.stock_location, "200", unit_cost="18"),
                inventory.OpeningLine(bought["MFG-FOAM"], warehouse.stock_location, "60", unit_cost="6.50"),
                inventory.OpeningLine(bought["MFG-BRK"], warehouse.stock_location, "300", unit_cost="1.20"),
                inventory.OpeningLine(bought["MFG-SCR"], warehouse.stock_location, "2000", unit_cost="0.05"),
            ],
        )
        orders = _orders(company, actor, worker, legs, frame, seat, chair_boms)
    return {"work centres": len(centres), "boms": 4 + len(chair_boms), "manufacturing orders": orders}


def _orders(
    company: Company,
    actor: User | None,
    worker: User | None,
    legs: Bom,
    frame: Bom,
    seat: Bom,
    chairs: list[Bom],
) -> int:
    today = timezone.localdate()
    end = timezone.now() - datetime.timedelta(hours=2)
    made = 0

    def order(bom: Bom, quantity: str, days: int) -> ManufacturingOrder:
        nonlocal made
        made += 1
        return services.create_order(
            company, actor, product=bom.product, quantity=quantity, bom=bom,
            due_date=today + datetime.timedelta(days=days),
        )  # fmt: skip

    # done: eight leg sets, cut in an hour
    done = services.confirm_order(order(legs, "8", -2), actor)
    for work_order in done.work_orders.all():
        services.start_work_order(work_order, worker, when=end - datetime.timedelta(minutes=42))
        services.finish_work_order(work_order, worker, when=end)
    services.produce(done, actor)
    services.finish_order(done, actor)
    # in progress: six frames, their rails cut and being joined — and the first joint measured
    # too weak, so a quality alert waits for the planner
    running = services.confirm_order(order(frame, "6", 2), actor)
    cut, joining = running.work_orders.order_by("sequence")[:2]
    services.start_work_order(cut, worker, when=end - datetime.timedelta(minutes=90))
    services.finish_work_order(cut, worker, when=end - datetime.timedelta(minutes=40))
    services.start_work_order(joining, worker, when=end - datetime.timedelta(minutes=30))
    joint = running.checks.get(work_order=joining)
    services.record_check(joint, worker, measured="42", note="Glue not cured on the back rail")
    # confirmed: six seats; draft: four chairs; cancelled: two chairs
    services.confirm_order(order(seat, "6", 3), actor)
    if chairs:
        order(chairs[0], "4", 7)
        services.cancel_order(services.confirm_order(order(chairs[-1], "2", 9), actor), actor)
    return made
