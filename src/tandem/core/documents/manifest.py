"""The company's signing certificate, in the settings area."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="documents",
        menu=[
            registry.MenuEntry(
                _("Signing certificate"),
                "documents:certificate",
                "documents.add_signingcertificate",
                registry.SETTINGS,
                order=60,
            ),
        ],
        urls=[registry.UrlMount("documents/", "tandem.core.documents.urls")],
    )
)
