"""The API's own routes (the event catalogue), and its documentation in each person's menu."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="api",
        menu=[registry.MenuEntry(_("API documentation"), "api-docs", area=registry.ACCOUNT, order=50)],
        api=[
            registry.ApiRoute(
                "events/catalogue", "tandem.api.events.EventCatalogueViewSet", "api-event-catalogue"
            )
        ],
    )
)
