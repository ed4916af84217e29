from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "tandem.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from tandem.core import search
        from tandem.partners.search import DOCUMENT

        search.register(DOCUMENT)
