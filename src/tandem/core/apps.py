from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tandem.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from tandem.core import (
            registry,
            states,  # noqa: F401  (registers the TRANSITIONS system check)
        )
        from tandem.core.roles import sync_roles

        # Infrastructure, not business logic: keep role groups in step with the
        # permissions every migrate creates.
        post_migrate.connect(sync_roles, dispatch_uid="tandem.core.sync_roles")
        # Every app's events.py and manifest.py: what it records and what it adds to the shell.
        registry.autodiscover()
