"""The events of background jobs. Payload descriptions are for integrators."""

from django.utils.translation import gettext_lazy as _

from tandem.core.events import EventType, declare

KIND = {"kind": "the kind of job (its registered name)"}
# The moves of a job's state (core.states.transition records them with the state [from, to]).
MOVE = {**KIND, "state": "[state before, state after]"}

declare(
    EventType("job.queued", _("Queued"), {**KIND, "title": "the job's title"}),
    EventType("job.started", _("Started"), MOVE),
    EventType("job.cancel_requested", _("Asked to stop"), KIND),
    EventType("job.cancelled", _("Cancelled"), MOVE),
    EventType("job.succeeded", _("Finished"), MOVE),
    EventType(
        "job.failed",
        _("Failed"),
        {**MOVE, "error": "why it failed", "stale": "true when it stopped answering and was given up"},
    ),
)
