"""What partners add to the shell: menu, tiles, API, pages, recent activity, demo part."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.partners.models import Partner

VIEW = "partners.view_partner"


def _active(user: Any) -> QuerySet[Partner]:
    return Partner.objects.visible_to(user).filter(active=True)


def _events_about_visible_partners(user: Any) -> Q:
    """A correlated check per recent event, not the list of every visible partner's id (which
    took 0.5 s a page at a million partners)."""
    return Q(Exists(Partner.objects.visible_to(user).filter(pk=OuterRef("partner_id"))))


registry.register(
    registry.Manifest(
        app="partners",
        menu=[registry.MenuEntry(_("Partners"), "partners:list", VIEW, order=10)],
        tiles=[
            registry.Tile(_("Partners"), "partners:list", VIEW, _active, order=10),
            registry.Tile(
                _("Customers"),
                "partners:list",
                VIEW,
                lambda user: _active(user).filter(is_customer=True),
                query="is_customer=true",
                order=11,
            ),
            registry.Tile(
                _("Suppliers"),
                "partners:list",
                VIEW,
                lambda user: _active(user).filter(is_supplier=True),
                query="is_supplier=true",
                order=12,
            ),
        ],
        shortcuts=[registry.Shortcut(_("New partner"), "partners:create", "partners.add_partner", order=10)],
        api=[
            registry.ApiRoute("partners/partners", "tandem.partners.api.PartnerViewSet", "api-partner"),
            registry.ApiRoute("partners/tags", "tandem.partners.api.TagViewSet", "api-tag"),
            registry.ApiRoute("partners/addresses", "tandem.partners.api.AddressViewSet", "api-address"),
        ],
        urls=[registry.UrlMount("partners/", "tandem.partners.urls")],
        timeline=[registry.TimelineSource(VIEW, _events_about_visible_partners)],
        partner_panels=[
            registry.PartnerPanel("people", _("People"), VIEW, "tandem.partners.views.people_panel", order=10)
        ],
        demo=[registry.DemoPart("tandem.partners.demo.build", order=20)],
    )
)
