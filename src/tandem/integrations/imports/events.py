"""The events of the import wizard. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

MAPPING = {"name": "the saved mapping's name", "import": "what it imports (the import's key)"}

declare(
    EventType("import.mapping_saved", _("Column mapping saved"), {**MAPPING, "new": "whether it was new"}),
    EventType("import.mapping_deleted", _("Column mapping deleted"), MAPPING),
    EventType(
        "import.completed",
        _("Imported"),
        {
            "import": "what was imported (the import's key)",
            "file": "the uploaded file's name",
            "mode": "create, update or both",
            "created": "records created",
            "updated": "records updated",
            "rejected": "rows refused",
            "imported_by": "the user name of who imported",
            "source": "always “import”",
        },
        open_payload=True,  # each import adds its own counts (rows read, people created…)
        webhook=True,
    ),
)
