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
            )
        ],
        api=[
            registry.ApiRoute(
                "planning/reorder-rules", "tandem.planning.api.ReorderRuleViewSet", "api-reorderrule"
            )
        ],
        urls=[registry.UrlMount("planning/", "tandem.planning.urls")],
        demo=[registry.DemoPart("tandem.planning.demo.build", order=70)],
    )
)
