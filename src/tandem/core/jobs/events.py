"""The events of background jobs. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

KIND = {"kind": "the kind of job (its registered name)"}

declare(
    EventType("job.queued", _("Queued"), {**KIND, "title": "the job's title"}),
    EventType("job.cancel_requested", _("Asked to stop"), KIND),
    EventType("job.cancelled", _("Cancelled"), KIND),
    EventType("job.succeeded", _("Finished"), KIND),
    EventType(
        "job.failed",
        _("Failed"),
        {**KIND, "error": "why it failed", "stale": "true when it stopped answering and was given up"},
    ),
)
