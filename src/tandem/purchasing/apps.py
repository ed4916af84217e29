from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "tandem.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from tandem.core.notifications import services as notifications
        from tandem.purchasing.services import receiving  # noqa: F401  (registers the transfer.done check)

        notifications.register_kind("purchasing.approval", _("Purchase orders to approve"))
