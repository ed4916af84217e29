"""The webhook outbox runs on a schedule too, so nothing waits for a nudge that never came."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.integrations.webhooks import services


@jobs.scheduled("webhooks.outbox", every=timedelta(seconds=30))
def send_webhooks() -> Message:
    """Turn new events into webhook deliveries and send those that are due (with retries)."""
    created, attempted = services.run_outbox()
    return Message(
        gettext_noop("%(created)d deliveries queued, %(attempted)d sent."),
        {
            "created": created,
            "attempted": attempted,
        },
    )
