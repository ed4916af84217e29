"""What planning adds to the shell: reorder rules, capacity, MRP (runs, planned orders, forecasts,
lot sizing) in the menu, their API and pages, its demo part."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="planning",
        menu=[
            registry.MenuEntry(
                _("Reorder rules"), "planning:rule_list", "planning.view_reorderrule", order=55
            ),
            registry.MenuEntry(_("Capacity"), "planning:capacity", "manufacturing.view_workcentre", order=56),
            registry.MenuEntry(_("MRP"), "planning:mrp_list", "planning.view_mrprun", order=57),
            registry.MenuEntry(
                _("Planned orders"), "planning:planned_list", "planning.view_plannedorder", order=58
            ),
            registry.MenuEntry(_("Forecasts"), "planning:forecast_list", "planning.view_forecast", order=59),
            registry.MenuEntry(
                _("Lot sizing"), "planning:lot_list", "planning.view_productplanning", order=60
            ),
        ],
        api=[
            registry.ApiRoute(
                "planning/reorder-rules", "tandem.planning.api.ReorderRuleViewSet", "api-reorderrule"
            ),
            registry.ApiRoute(
                "planning/capable-to-promise",
                "tandem.planning.api.CapableToPromiseViewSet",
                "api-capable-to-promise",
            ),
            registry.ApiRoute("planning/capacity", "tandem.planning.api.CapacityViewSet", "api-capacity"),
            registry.ApiRoute("planning/mrp-runs", "tandem.planning.api.MrpRunViewSet", "api-mrprun"),
            registry.ApiRoute("planning/forecasts", "tandem.planning.api.ForecastViewSet", "api-forecast"),
        ],
        urls=[registry.UrlMount("planning/", "tandem.planning.urls")],
        record_panels=[
            registry.RecordPanel(
                model,
                "pegging",
                _("Made for"),
                "planning.view_plannedorder",
                "tandem.planning.views.pegging_panel",
                order=20,
            )
            for model in (
                "planning.plannedorder",
                "manufacturing.manufacturingorder",
                "purchasing.purchaserequest",
            )
        ],
        record_data=[
            registry.RecordData(
                model,
                "made_for",
                "planning.view_plannedorder",
                "tandem.planning.api.made_for",
                "tandem.planning.api.MadeForSerializer",
            )
            for model in ("manufacturing.manufacturingorder", "purchasing.purchaserequest")
        ]
        + [
            registry.RecordData(
                "purchasing.purchaseorder",
                "bought_for",
                "purchasing.view_purchaseorder",
                "tandem.planning.api.bought_for",
                "tandem.planning.api.BoughtForSerializer",
            )
        ],
        demo=[registry.DemoPart("tandem.planning.demo.build", order=70)],
        internal_models=["planning.peg"],
    )
)
