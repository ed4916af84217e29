"""What purchasing adds to the shell: menu, tile, shortcuts, API, pages, the partner card's
supplier panel, recent activity and its part of the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.purchasing.models import PurchaseOrder

VIEW = "purchasing.view_purchaseorder"
API = "tandem.purchasing.api"


def _order_events(user: Any) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(PurchaseOrder))


registry.register(
    registry.Manifest(
        app="purchasing",
        menu=[
            registry.MenuEntry(_("Purchase orders"), "purchasing:order_list", VIEW, order=50),
            registry.MenuEntry(
                _("Purchase requests"), "purchasing:request_list", "purchasing.view_purchaserequest", order=51
            ),
            registry.MenuEntry(
                _("Supplier prices"), "purchasing:price_list", "purchasing.view_supplierprice", order=52
            ),
            registry.MenuEntry(
                _("Purchasing"),
                "purchasing:settings",
                "purchasing.change_purchasesettings",
                area=registry.SETTINGS,
                order=50,
            ),
            registry.MenuEntry(
                _("Purchase approval levels"),
                "purchasing:level_list",
                "purchasing.view_approvallevel",
                area=registry.SETTINGS,
                order=51,
            ),
        ],
        tiles=[
            registry.Tile(
                _("Orders to approve"),
                "purchasing:order_list",
                VIEW,
                lambda user: PurchaseOrder.objects.visible_to(user).filter(state="to_approve"),
                query="state=to_approve",
                order=50,
            )
        ],
        shortcuts=[
            registry.Shortcut(
                _("New RFQ"), "purchasing:order_create", "purchasing.add_purchaseorder", order=50
            ),
        ],
        api=[
            registry.ApiRoute(
                "purchasing/supplier-prices", f"{API}.SupplierPriceViewSet", "api-supplierprice"
            ),
            registry.ApiRoute("purchasing/requests", f"{API}.PurchaseRequestViewSet", "api-purchaserequest"),
            registry.ApiRoute("purchasing/orders", f"{API}.PurchaseOrderViewSet", "api-purchaseorder"),
        ],
        urls=[registry.UrlMount("purchasing/", "tandem.purchasing.urls")],
        timeline=[registry.TimelineSource(VIEW, _order_events)],
        partner_panels=[
            registry.PartnerPanel(
                "supplier",
                _("As a supplier"),
                VIEW,
                "tandem.purchasing.views.performance_panel",
                order=30,
            )
        ],
        record_panels=[
            registry.RecordPanel(
                "accounting.invoice",
                "purchase-match",
                _("Purchase order"),
                VIEW,
                "tandem.purchasing.views.bill_match_panel",
                order=30,
            )
        ],
        record_warnings=[
            registry.RecordWarnings("accounting.invoice", VIEW, "tandem.purchasing.views.bill_warnings")
        ],
        demo=[registry.DemoPart("tandem.purchasing.demo.build", order=60)],
        internal_models=["purchasing.approval", "purchasing.orderbill", "purchasing.purchaseorderline"],
    )
)
