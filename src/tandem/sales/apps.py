from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from tandem.sales import services  # noqa: F401  (registers its event handlers)
