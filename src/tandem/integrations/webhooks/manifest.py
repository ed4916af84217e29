"""Webhooks in the settings area."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="webhooks",
        menu=[
            registry.MenuEntry(
                _("Webhooks"),
                "webhooks:list",
                "webhooks.view_webhooksubscription",
                registry.SETTINGS,
                order=80,
            )
        ],
        urls=[registry.UrlMount("webhooks/", "tandem.integrations.webhooks.urls")],
        internal_models=["webhooks.webhookcursor", "webhooks.webhookattempt"],
    )
)
