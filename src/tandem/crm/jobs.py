"""The CRM's scheduled job: reminders of overdue activities and stalled deals."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.crm import services


@jobs.scheduled("crm.reminders", every=timedelta(minutes=15))
def send_reminders() -> Message:
    """Notify assignees of overdue activities and owners of stalled deals (once each)."""
    counts = services.send_reminders()
    return Message(
        gettext_noop("%(overdue)d overdue activities and %(stalled)d stalled deals reminded."), counts
    )
