"""The events of attachments (files on a record). Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

FILE = {
    "attachment": "the attachment's id",
    "name": "the file name",
    "size": "its size in bytes",
    "sha256": "the SHA-256 of its content, hex",
}

declare(
    EventType("attachment.added", _("File attached"), {**FILE, "mime_type": "its media type"}, webhook=True),
    EventType("attachment.removed", _("File removed"), FILE, webhook=True),
)
