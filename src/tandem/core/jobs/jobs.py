"""The platform's own scheduled jobs: housekeeping of jobs and of idempotency keys."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job, ScheduledRun
from tandem.core.messages import Message
from tandem.core.models import IdempotencyRecord

IDEMPOTENCY_KEEP = timedelta(hours=24)
RUN_LOG_KEEP = timedelta(days=14)


@jobs.scheduled("jobs.sweep_stale", every=timedelta(minutes=5))
def sweep_stale_jobs() -> Message:
    """Fail jobs whose worker died (stale heartbeat) and resend queued jobs that never reached it."""
    failed, resent = jobs.sweep_stale_jobs()
    return Message(
        gettext_noop("%(failed)d stale jobs failed, %(resent)d queued jobs resent."),
        {
            "failed": failed,
            "resent": resent,
        },
    )


@jobs.scheduled("core.purge_idempotency_keys", every=timedelta(hours=1))
def purge_idempotency_keys() -> Message:
    """Delete stored API responses of idempotency keys older than 24 hours."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_KEEP
    ).delete()
    return Message(gettext_noop("%(count)d expired idempotency keys deleted."), {"count": deleted})


@jobs.handler("jobs.check_worker")
def check_worker(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """A harmless job that proves a worker picks up and finishes work (administrators' check)."""
    steps = max(1, min(int(job.params.get("steps", 10)), 1000))
    progress.set_total(steps)
    for _step in range(steps):
        progress.raise_if_cancelled()
        progress.advance()
    return {
        "message": Message(
            gettext_noop("The worker %(worker)s ran the test job."), {"worker": socket.gethostname()}
        ),
        "pid": os.getpid(),
    }


@jobs.scheduled("jobs.purge_history", every=timedelta(days=1))
def purge_history() -> Message:
    """Delete the log of scheduled runs older than 14 days (frequent schedules add up)."""
    deleted, _by_model = ScheduledRun.objects.filter(started_at__lt=timezone.now() - RUN_LOG_KEEP).delete()
    return Message(gettext_noop("%(count)d old scheduled runs deleted."), {"count": deleted})
