from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from tandem.sales import cash_forecast, services  # noqa: F401  (services: its event handlers)

        cash_forecast.register()  # confirmed orders not yet invoiced, in the books' cash forecast
