"""What inventory adds to the shell: menu, API, pages, the product page's stock panel, demo part."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.inventory.models import Transfer

API = "tandem.inventory.api"
VIEW_TRANSFERS = "inventory.view_transfer"


def _transfer_events(user: object) -> Q:
    return Q(
        subject_type=ContentType.objects.get_for_model(Transfer),
        name__in=["transfer.done", "transfer.cancelled"],
    )


def _to_do(user: object) -> QuerySet[Transfer]:
    return Transfer.objects.visible_to(user).filter(state="ready")


registry.register(
    registry.Manifest(
        app="inventory",
        menu=[
            registry.MenuEntry(_("Transfers"), "inventory:transfer_list", VIEW_TRANSFERS, order=30),
            registry.MenuEntry(_("Stock"), "inventory:quant_list", "inventory.view_quant", order=31),
            registry.MenuEntry(
                _("Stock moves"), "inventory:moveline_list", "inventory.view_moveline", order=32
            ),
            registry.MenuEntry(_("Counts"), "inventory:count_list", "inventory.view_count", order=33),
            registry.MenuEntry(_("Lots"), "inventory:lot_list", "inventory.view_lot", order=34),
            registry.MenuEntry(
                _("Stock valuation"), "inventory:valuation", "inventory.view_valuationlayer", order=35
            ),
            registry.MenuEntry(
                _("Landed costs"), "inventory:landed_cost_list", "inventory.view_landedcost", order=36
            ),
            registry.MenuEntry(
                _("Warehouses"), "inventory:warehouse_list", "inventory.view_warehouse", order=38
            ),
            registry.MenuEntry(
                _("Locations"), "inventory:location_list", "inventory.view_location", order=39
            ),
            registry.MenuEntry(
                _("Stock valuation"),
                "inventory:valuation_settings",
                "inventory.view_valuationsettings",
                area=registry.SETTINGS,
                order=40,
            ),
        ],
        tiles=[
            registry.Tile(
                _("Transfers ready"),
                "inventory:transfer_list",
                VIEW_TRANSFERS,
                _to_do,
                query="state=ready",
                order=30,
            )
        ],  # type: ignore[arg-type]
        shortcuts=[
            registry.Shortcut(
                _("New transfer"), "inventory:transfer_create", "inventory.add_transfer", order=30
            )
        ],
        api=[
            registry.ApiRoute("inventory/warehouses", f"{API}.WarehouseViewSet", "api-warehouse"),
            registry.ApiRoute("inventory/locations", f"{API}.LocationViewSet", "api-location"),
            registry.ApiRoute("inventory/lots", f"{API}.LotViewSet", "api-lot"),
            registry.ApiRoute("inventory/transfers", f"{API}.TransferViewSet", "api-transfer"),
            registry.ApiRoute("inventory/moves", f"{API}.MoveLineViewSet", "api-moveline"),
            registry.ApiRoute("inventory/quants", f"{API}.QuantViewSet", "api-quant"),
            registry.ApiRoute("inventory/availability", f"{API}.AvailabilityViewSet", "api-availability"),
            registry.ApiRoute("inventory/counts", f"{API}.CountViewSet", "api-count"),
            registry.ApiRoute(
                "inventory/valuation-settings", f"{API}.ValuationSettingsViewSet", "api-valuationsettings"
            ),
            registry.ApiRoute(
                "inventory/category-valuations", f"{API}.CategoryValuationViewSet", "api-categoryvaluation"
            ),
        ],
        urls=[registry.UrlMount("inventory/", "tandem.inventory.urls")],
        timeline=[registry.TimelineSource(VIEW_TRANSFERS, _transfer_events)],
        record_panels=[
            registry.RecordPanel(
                "catalog.product",
                "stock",
                _("Stock"),
                "inventory.view_quant",
                "tandem.inventory.views.stock.stock_panel",
                order=10,
            )
        ],
        demo=[registry.DemoPart("tandem.inventory.demo.build", order=50)],
        # valuationmonth, stockmonth: monthly sums the database keeps for the stock value
        internal_models=[
            "inventory.reservation",
            "inventory.landedcostline",
            "inventory.valuationmonth",
            "inventory.stockmonth",
        ],
    )
)
