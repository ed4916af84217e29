"""What planning adds to the shell: the reorder rules' menu entry, API and pages, its demo part."""

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
        ],
        urls=[registry.UrlMount("planning/", "tandem.planning.urls")],
        demo=[registry.DemoPart("tandem.planning.demo.build", order=70)],
    )
)
