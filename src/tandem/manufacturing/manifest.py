"""What manufacturing adds to the shell: menu entries, a tile, shortcuts, pages, recent activity
and its part of the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.manufacturing.models import ManufacturingOrder, QualityAlert

VIEW = "manufacturing.view_manufacturingorder"
API = "tandem.manufacturing.api"


def _order_events(user: Any) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(ManufacturingOrder))


registry.register(
    registry.Manifest(
        app="manufacturing",
        menu=[
            registry.MenuEntry(_("Manufacturing orders"), "manufacturing:order_list", VIEW, order=56),
            registry.MenuEntry(
                _("Bills of materials"), "manufacturing:bom_list", "manufacturing.view_bom", order=57
            ),
            registry.MenuEntry(
                _("Work centres"), "manufacturing:centre_list", "manufacturing.view_workcentre", order=58
            ),
            registry.MenuEntry(
                _("Routings"), "manufacturing:routing_list", "manufacturing.view_routing", order=59
            ),
            registry.MenuEntry(
                _("Quality alerts"), "manufacturing:alert_list", "manufacturing.view_qualityalert", order=60
            ),
            registry.MenuEntry(
                _("Quality check points"),
                "manufacturing:point_list",
                "manufacturing.view_qualitypoint",
                area=registry.SETTINGS,
                order=56,
            ),
        ],
        tiles=[
            registry.Tile(
                _("Manufacturing orders in progress"),
                "manufacturing:order_list",
                VIEW,
                lambda user: ManufacturingOrder.objects.visible_to(user).filter(state="in_progress"),
                query="state=in_progress",
                order=56,
            ),
            registry.Tile(
                _("Open quality alerts"),
                "manufacturing:alert_list",
                "manufacturing.view_qualityalert",
                lambda user: QualityAlert.objects.visible_to(user).filter(state="open"),
                query="state=open",
                order=57,
            ),
        ],
        shortcuts=[
            registry.Shortcut(
                _("New manufacturing order"),
                "manufacturing:order_create",
                "manufacturing.add_manufacturingorder",
                order=56,
            ),
        ],
        api=[
            registry.ApiRoute(f"manufacturing/{path}", f"{API}.{viewset}", f"api-{name}")
            for path, viewset, name in (
                ("boms", "BomViewSet", "bom"),
                ("work-centres", "WorkCentreViewSet", "workcentre"),
                ("routings", "RoutingViewSet", "routing"),
                ("orders", "OrderViewSet", "manufacturingorder"),
                ("work-orders", "WorkOrderViewSet", "workorder"),
                ("quality-checks", "QualityCheckViewSet", "qualitycheck"),
            )
        ],
        urls=[registry.UrlMount("manufacturing/", "tandem.manufacturing.urls")],
        timeline=[registry.TimelineSource(VIEW, _order_events)],
        demo=[registry.DemoPart("tandem.manufacturing.demo.build", order=65)],
        internal_models=[
            "manufacturing.operation",
            "manufacturing.bomline",
            "manufacturing.bombyproduct",
            "manufacturing.production",
            "manufacturing.scrap",
            "manufacturing.worklog",
        ],
    )
)
