"""The CRM's scheduled jobs: reminders (overdue activities, stalled deals, deals past their
expected close date) and the mailbox."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.crm import services


@jobs.scheduled("crm.reminders", every=timedelta(minutes=15))
def send_reminders() -> Message:
    """Notify assignees of overdue activities, and owners of stalled deals and of deals past their
    expected close date (once each)."""
    counts = services.send_reminders()
    return Message(
        gettext_noop(
            "%(overdue)d overdue activities, %(stalled)d stalled deals and %(past_close)d deals past "
            "their close date reminded."
        ),
        counts,
    )


@jobs.scheduled("crm.mailbox", every=timedelta(minutes=5))
def poll_mailbox() -> Message:
    """Log the e-mail received in the CRM mailbox (TANDEM_CRM_IMAP_HOST) on the customers' timelines."""
    from tandem.crm import mail

    counts = mail.poll()
    return Message(
        gettext_noop(
            "%(messages)d messages read: %(logged)d logged, %(lead)d from strangers, %(duplicate)d already "
            "logged, %(unmatched)d unmatched, %(too_large)d too large, %(failed)d failed."
        ),
        {
            k: counts.get(k, 0)
            for k in ("messages", "logged", "lead", "duplicate", "unmatched", "too_large", "failed")
        },
    )
