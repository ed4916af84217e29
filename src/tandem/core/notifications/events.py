"""The events of outgoing e-mail. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

STATE = {"state": "[state before, state after] (core.states.transition)"}
MESSAGE = {**STATE, "to": "the recipients' addresses", "subject": "the subject line"}

declare(
    EventType(
        "email.sent",
        _("E-mail sent"),
        {
            **MESSAGE,
            "text": "the plain-text body",
            "message_id": "the Message-ID header",
            "attachments": "the names of the attached files",
        },
        webhook=True,
    ),
    EventType("email.failed", _("E-mail could not be sent"), {**MESSAGE, "error": "the last error"}),
    EventType("email.requeued", _("Queued to be sent again"), {**STATE, "subject": "the subject line"}),
)
