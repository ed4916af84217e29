from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManufacturingConfig(AppConfig):
    name = "tandem.manufacturing"
    label = "manufacturing"
    verbose_name = _("Manufacturing")
