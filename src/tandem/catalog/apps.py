from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "tandem.catalog"
    label = "catalog"
    verbose_name = _("Products")

    def ready(self) -> None:
        from tandem.catalog.search import DOCUMENT
        from tandem.core import search

        search.register(DOCUMENT)
