"""Scheduled housekeeping of the e-mail queue."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.core.notifications import services


@jobs.scheduled("notifications.requeue_stale_emails", every=timedelta(minutes=10))
def requeue_stale_emails() -> Message:
    """Send again queued e-mails no worker picked up (the broker was down when they were queued)."""
    return Message(
        gettext_noop("%(count)d queued e-mails sent to the worker again."),
        {"count": services.requeue_stale()},
    )
