"""Document templates in the settings area; writing a document is a button on the partner card."""

from django.utils.translation import gettext_lazy as _

from tandem.core import registry

registry.register(
    registry.Manifest(
        app="letters",
        menu=[
            registry.MenuEntry(
                _("Document templates"),
                "letters:list",
                "letters.view_documenttemplate",
                registry.SETTINGS,
                order=50,
            )
        ],
        urls=[registry.UrlMount("documents/", "tandem.integrations.letters.urls")],
        demo=[registry.DemoPart("tandem.integrations.letters.demo.build", order=80)],
    )
)
