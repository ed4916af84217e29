"""The interactive API documentation, reachable from each person's menu."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="api",
        menu=[registry.MenuEntry(_("API documentation"), "api-docs", area=registry.ACCOUNT, order=50)],
    )
)
