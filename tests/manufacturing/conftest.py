"""A small furniture maker: a chair of a frame (oak cut with scrap, a hardware kit), an upholstered
seat made two at a time and the hardware kit again; four work centres with their routings; oak,
screws, brackets, foam and fabric in stock at known costs; books on the IFRS chart.

The hand-computed standard costs of this world (``tests/manufacturing/test_boms.py``)::

    Hardware kit (phantom)  8 screws × 0.10 + 2 brackets × 1.50                       =   3.80
    Frame                   2.5 m oak × 1.1 (10 % scrap) × 20.00 = 55.00, kit 3.80
                            cutting (30 min setup + 12 min) × 30.00/h = 21.00,
                            joinery 18 min × 40.00/h = 12.00                          =  91.80
    Seat (batch of 2)       1 foam × 8.00 + 0.75 m fabric × 12.00 = 17.00,
                            upholstery (20 / 2 + 15 min) × 36.00/h = 15.00            =  32.00
    Chair                   frame 91.80 + seat 32.00 + kit 3.80 = 127.60,
                            finishing (10 + 20 min) × 24.00/h = 12.00                 = 139.60
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tandem.accounting.services import charts
from tandem.catalog.models import Product
from tandem.catalog.services import create_product
from tandem.core import roles
from tandem.core.models import Company, Uom, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Warehouse
from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, Routing, WorkCentre
from tandem.manufacturing.services import LineData, OperationData

DAY = datetime.date(2026, 3, 10)


@dataclass
class Workshop:
    company: Company
    admin: User
    planner: User
    warehouse: Warehouse
    products: dict[str, Product]
    centres: dict[str, WorkCentre]
    routings: dict[str, Routing]
    boms: dict[str, Bom]


@pytest.fixture
def planner(make_user: Callable[..., User]) -> User:
    return make_user("petra", roles.PRODUCTION_PLANNER)


def build_workshop(company: Company, admin: User, planner: User, *, lots: bool = False) -> Workshop:
    """The workshop; with ``lots``, foam and chairs are tracked by lot (the foam in stock is lot FOAM-A)."""
    charts.install_chart(company, admin, "ifrs")
    warehouse = inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    unit = {code: Uom.objects.get(code=code) for code in ("pcs", "m", "cm", "kg")}

    def product(sku: str, name: str, uom: str = "pcs", cost: str = "0", **extra: object) -> Product:
        return create_product(company, admin, name=name, sku=sku, uom=unit[uom], cost=Decimal(cost), **extra)

    products = {
        "oak": product("OAK", "Oak board", "m", "20"),
        "screw": product("SCR", "Screw", cost="0.10"),
        "bracket": product("BRK", "Bracket", cost="1.50"),
        "foam": product("FOAM", "Foam pad", cost="8", tracking="lot" if lots else "none"),
        "fabric": product("FAB", "Fabric", "m", "12"),
        "kit": product("HWK", "Hardware kit"),
        "frame": product("FRM", "Frame"),
        "seat": product("SEAT", "Upholstered seat"),
        "chair": product("CHAIR", "Chair", tracking="lot" if lots else "none"),
    }
    centres = {
        code: services.create_work_centre(company, admin, name=name, code=code, cost_per_hour=cost)
        for code, name, cost in [
            ("CUT", "Cutting", "30"),
            ("JOIN", "Joinery", "40"),
            ("UPH", "Upholstery", "36"),
            ("FIN", "Finishing", "24"),
        ]
    }
    routings = {
        "frame": services.create_routing(
            company,
            planner,
            name="Frame",
            operations=[
                OperationData("Cut", centres["CUT"], setup_minutes="30", run_minutes="12"),
                OperationData("Join", centres["JOIN"], run_minutes="18"),
            ],
        ),
        "seat": services.create_routing(
            company, planner, name="Seat", operations=[OperationData("Upholster", centres["UPH"], "20", "15")]
        ),
        "chair": services.create_routing(
            company, planner, name="Chair", operations=[OperationData("Finish", centres["FIN"], "10", "20")]
        ),
    }
    p = products
    boms = {
        "kit": services.create_bom(
            company,
            planner,
            product=p["kit"],
            kind=Bom.Kind.PHANTOM,
            lines=[LineData(p["screw"], "8"), LineData(p["bracket"], "2")],
        ),
        "frame": services.create_bom(
            company,
            planner,
            product=p["frame"],
            routing=routings["frame"],
            lines=[LineData(p["oak"], "250", unit["cm"], scrap_percent="10"), LineData(p["kit"], "1")],
        ),
        "seat": services.create_bom(
            company,
            planner,
            product=p["seat"],
            quantity="2",
            routing=routings["seat"],
            lines=[LineData(p["foam"], "2"), LineData(p["fabric"], "1.5")],
        ),
        "chair": services.create_bom(
            company,
            planner,
            product=p["chair"],
            routing=routings["chair"],
            lines=[LineData(p["frame"], "1"), LineData(p["seat"], "1"), LineData(p["kit"], "1")],
        ),
    }
    location = warehouse.stock_location
    assert location is not None
    inventory.import_opening_stock(
        company,
        admin,
        [
            inventory.OpeningLine(p["oak"], location, "100", unit_cost="20"),
            inventory.OpeningLine(p["screw"], location, "1000", unit_cost="0.10"),
            inventory.OpeningLine(p["bracket"], location, "100", unit_cost="1.50"),
            inventory.OpeningLine(p["foam"], location, "40", "FOAM-A" if lots else "", unit_cost="8"),
            inventory.OpeningLine(p["fabric"], location, "50", unit_cost="12"),
        ],
    )
    return Workshop(company, admin, planner, warehouse, products, centres, routings, boms)


@pytest.fixture
def workshop(company: Company, admin: User, planner: User) -> Workshop:
    return build_workshop(company, admin, planner)
