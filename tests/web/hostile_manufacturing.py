"""Hostile records for the manufacturing exports (``test_exports.HOSTILE_RECORDS``): each made
through the services, its exported text ``HOSTILE`` (a work centre's, routing's or check point's
name, a BOM's or order's reference, an operation's name on its work orders, a check point's title
in its checks and in the alert its failure raises)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tandem.core.models import Company, Uom, User

if TYPE_CHECKING:
    from tandem.manufacturing.models import Bom, ManufacturingOrder

HOSTILE = '\x01=HYPERLINK("http://evil.test","click")'


def _bom(company: Company, actor: User, pcs: Uom, *, operation: str = "Cut", **fields: Any) -> Bom:
    from tandem.catalog.services import create_product
    from tandem.inventory import services as inventory
    from tandem.inventory.models import Warehouse
    from tandem.manufacturing import services
    from tandem.manufacturing.services import LineData, OperationData

    if not Warehouse.objects.filter(company=company).exists():
        inventory.create_warehouse(company, actor, name="Main warehouse", code="WH")
    made = create_product(company, actor, sku="MFG-STOOL", name="Stool", uom=pcs)
    part = create_product(company, actor, sku="MFG-LEG", name="Leg", uom=pcs)
    centre = services.create_work_centre(company, actor, name="Saw", code="SAW")
    routing = services.create_routing(
        company, actor, name="Stool", operations=[OperationData(operation, centre)]
    )
    return services.create_bom(
        company, actor, product=made, routing=routing, lines=[LineData(part, "4")], **fields
    )


def _order(
    company: Company, actor: User, pcs: Uom, *, operation: str = "Cut", **fields: Any
) -> ManufacturingOrder:
    from tandem.manufacturing import services

    bom = _bom(company, actor, pcs, operation=operation)
    return services.create_order(company, actor, product=bom.product, quantity="2", **fields)


def _hostile_centre(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.manufacturing import services

    return services.create_work_centre(company, actor, name=HOSTILE, code="EVIL")


def _hostile_routing(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.manufacturing import services
    from tandem.manufacturing.services import OperationData

    centre = services.create_work_centre(company, actor, name="Saw", code="SAW")
    return services.create_routing(company, actor, name=HOSTILE, operations=[OperationData("Cut", centre)])


def _hostile_bom(company: Company, actor: User, pcs: Uom) -> Any:
    return _bom(company, actor, pcs, reference=HOSTILE)


def _hostile_order(company: Company, actor: User, pcs: Uom) -> Any:
    return _order(company, actor, pcs, reference=HOSTILE)


def _hostile_work_order(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.manufacturing import services

    return services.confirm_order(_order(company, actor, pcs, operation=HOSTILE), actor)


def _hostile_point(company: Company, actor: User, pcs: Uom, order: ManufacturingOrder | None = None) -> Any:
    from tandem.catalog.services import create_product
    from tandem.manufacturing import services

    product = (
        order.product
        if order is not None
        else create_product(company, actor, sku="EVIL-Q", name="Q", uom=pcs)
    )
    return services.create_quality_point(company, actor, title=HOSTILE, product=product)


def _hostile_check(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.manufacturing import services

    order = _order(company, actor, pcs)
    _hostile_point(company, actor, pcs, order)
    return services.confirm_order(order, actor)


def _hostile_alert(company: Company, actor: User, pcs: Uom) -> Any:
    from tandem.manufacturing import services

    order = _hostile_check(company, actor, pcs)
    return services.record_check(order.checks.get(), actor, passed=False)


RECORDS: dict[str, Callable[[Company, User, Uom], Any]] = {
    "manufacturing.workcentre": _hostile_centre,
    "manufacturing.routing": _hostile_routing,
    "manufacturing.bom": _hostile_bom,
    "manufacturing.manufacturingorder": _hostile_order,
    "manufacturing.workorder": _hostile_work_order,
    "manufacturing.qualitypoint": _hostile_point,
    "manufacturing.qualitycheck": _hostile_check,
    "manufacturing.qualityalert": _hostile_alert,
}
