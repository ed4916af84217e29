"""The events of the import wizard. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

MAPPING = {"name": "the saved mapping's name", "import": "what it imports (the import's key)"}
# The moves of an import run's state (core.states.transition records them as import.<action>).
STATE = {"state": "[state before, state after]"}

declare(
    EventType("import.mapping_saved", _("Column mapping saved"), {**MAPPING, "new": "whether it was new"}),
    EventType("import.mapping_deleted", _("Column mapping deleted"), MAPPING),
    EventType(
        "import.completed",
        _("Imported"),
        {
            **STATE,
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
    EventType("import.reading", _("Reading"), STATE),
    EventType("import.read", _("Read"), STATE),
    EventType("import.changed", _("Uploaded"), STATE),
    EventType("import.checking", _("Checking"), STATE),
    EventType("import.checked", _("Checked"), STATE),
    EventType("import.importing", _("Importing"), STATE),
    EventType("import.rejected", _("Rejected"), STATE),
    EventType("import.failed", _("Failed"), STATE),
)
