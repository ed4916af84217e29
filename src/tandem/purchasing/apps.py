from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "tandem.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        from tandem.core.notifications import services as notifications
        from tandem.purchasing import cash_forecast
        from tandem.purchasing.services import billing, receiving  # noqa: F401  (register their event handlers)

        notifications.register_kind("purchasing.approval", _("Purchase orders to approve"))
        cash_forecast.register()  # open orders not yet billed, in the books' cash forecast
