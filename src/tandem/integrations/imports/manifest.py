"""The import wizard in the main menu, for whoever may import something."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.core import registry
from tandem.core.importing import specs


def may_import(user: Any) -> bool:
    return any(spec.allowed(user) for spec in specs().values())


registry.register(
    registry.Manifest(
        app="imports",
        menu=[registry.MenuEntry(_("Import"), "imports:start", may_import, area=registry.ACCOUNT, order=40)],
        urls=[registry.UrlMount("imports/", "tandem.integrations.imports.urls")],
    )
)
