from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "tandem.integrations.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from tandem.core import events
        from tandem.integrations.webhooks import services

        events.on("*", after_commit=True)(services.on_event_committed)
