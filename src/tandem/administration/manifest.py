"""The settings area and each person's own account page."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core import registry


def _settings(label: Promise, url_name: str, order: int) -> registry.MenuEntry:
    return registry.MenuEntry(label, url_name, area=registry.SETTINGS, order=order, administrators=True)


registry.register(
    registry.Manifest(
        app="administration",
        menu=[
            registry.MenuEntry(
                _("My account and security"), "administration:account", area=registry.ACCOUNT, order=10
            ),
            registry.MenuEntry(
                _("Settings"), "administration:home", area=registry.ACCOUNT, order=90, administrators=True
            ),
            _settings(_("Overview"), "administration:home", 10),
            _settings(_("Users"), "administration:users", 20),
            _settings(_("Roles"), "administration:roles", 30),
            _settings(_("Companies"), "administration:companies", 40),
            _settings(_("Sign-in security"), "administration:security", 45),
        ],
        urls=[registry.UrlMount("settings/", "tandem.administration.urls")],
    )
)
