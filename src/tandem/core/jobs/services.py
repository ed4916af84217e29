"""Background jobs: start long work, report its progress, cancel it, and schedule work in code.

Usage from any domain::

    from tandem.core.jobs import services as jobs

    @jobs.handler("imports.commit")
    def commit_import(job: Job, progress: jobs.Progress) -> dict:
        progress.set_total(len(rows))
        for row in rows:
            progress.raise_if_cancelled()
            ...
            progress.advance()
        return {"created": n, "link": url, "link_label": _("Open the partners")}

    job = jobs.start("imports.commit", user=request.user, company=request.company,
                     title=_("Import partners.csv"), params={"upload": upload.pk})

    @jobs.scheduled("catalog.refresh_prices", every=timedelta(hours=1))
    def refresh_prices() -> Message:   # stored as the run's message, translated when shown
        return Message(gettext_noop("%(count)s prices refreshed."), {"count": 42})

A job is queued in the caller's transaction and sent to the worker after commit; the
worker claims it with a conditional UPDATE, so a message delivered twice runs it once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery.schedules import crontab as Crontab
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import events, states
from tandem.core.errors import BusinessError, Conflict, IllegalTransition, NotAllowed
from tandem.core.jobs.models import Job, ScheduledRun
from tandem.core.messages import Message, as_fields, storable
from tandem.core.models import Company, User

logger = logging.getLogger(__name__)

__all__ = [
    "Job",
    "JobCancelled",
    "Progress",
    "cancel",
    "handler",
    "run",
    "run_scheduled",
    "scheduled",
    "schedules",
    "start",
]

Handler = Callable[[Job, "Progress"], dict[str, Any] | None]
ScheduledFunction = Callable[[], "str | Message | None"]

PROGRESS_INTERVAL = 0.25  # seconds between progress writes: at most ~4 per second
HEARTBEAT_INTERVAL = 30.0  # seconds between a running job's signs of life
MESSAGE_LIMIT = 2000  # characters of an error or message kept on the row


class JobCancelled(Exception):
    """Raised by :meth:`Progress.raise_if_cancelled`; the runner marks the job cancelled."""


# --- registries --------------------------------------------------------------------------

_handlers: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the work of jobs of ``kind``."""

    def register(function: Handler) -> Handler:
        existing = _handlers.get(kind)
        if existing is not None and _qualname(existing) != _qualname(function):
            raise ValueError(f"job kind {kind!r} already has a handler: {_qualname(existing)}")
        _handlers[kind] = function
        return function

    return register


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def kinds() -> list[str]:
    return sorted(_handlers)


@dataclass(frozen=True)
class Schedule:
    name: str
    function: ScheduledFunction
    every: timedelta | Crontab
    description: str

    @property
    def interval(self) -> str:
        """How often it runs, for people."""
        if isinstance(self.every, timedelta):
            return _every_text(self.every)
        fields = (
            self.every._orig_minute,
            self.every._orig_hour,
            self.every._orig_day_of_month,
            self.every._orig_month_of_year,
            self.every._orig_day_of_week,
        )
        return "cron " + " ".join(str(field) for field in fields)


_schedules: dict[str, Schedule] = {}


def scheduled(
    name: str, *, every: timedelta | Crontab | None = None, crontab: Crontab | None = None
) -> Callable[[ScheduledFunction], ScheduledFunction]:
    """Declare ``function`` to run periodically under Celery beat.

    ``every`` is a :class:`~datetime.timedelta` or a :func:`celery.schedules.crontab`
    (``crontab=`` is accepted as a synonym). The function takes no arguments and may
    return a short message, stored with the run's outcome.
    """
    when = every if every is not None else crontab
    if when is None or (every is not None and crontab is not None):
        raise ValueError("scheduled() needs exactly one of every= or crontab=")
    if isinstance(when, timedelta) and when.total_seconds() <= 0:
        raise ValueError("scheduled(every=…) must be a positive interval")

    def register(function: ScheduledFunction) -> ScheduledFunction:
        existing = _schedules.get(name)
        if existing is not None and _qualname(existing.function) != _qualname(function):
            raise ValueError(f"schedule {name!r} is already declared by {_qualname(existing.function)}")
        description = (function.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        _schedules[name] = Schedule(name, function, when, description)
        return function

    return register


def schedules() -> list[Schedule]:
    return [_schedules[name] for name in sorted(_schedules)]


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat entries for every declared schedule (wired in ``tandem.celery``)."""
    return {
        f"tandem:{schedule.name}": {
            "task": "jobs.run_scheduled",
            "schedule": schedule.every,
            "args": (schedule.name,),
            # A run that could not start within its interval is dropped, not piled up.
            "options": {"expires": _expiry_seconds(schedule.every)},
        }
        for schedule in schedules()
    }


def _expiry_seconds(every: timedelta | Crontab) -> float:
    if isinstance(every, timedelta):
        return max(every.total_seconds(), 60.0)
    return 3600.0


def _qualname(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _every_text(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# --- starting and cancelling -------------------------------------------------------------


def start(
    kind: str,
    *,
    user: User | None,
    company: Company,
    title: str | Message,
    params: dict[str, Any] | None = None,
) -> Job:
    """Queue a job of ``kind``; the worker runs it after the caller's transaction commits.

    Give the title as a :class:`~tandem.core.messages.Message` so that each reader sees it in
    their language; a plain string is shown as it is.
    """
    if kind not in _handlers:
        raise LookupError(f"no handler is registered for job kind {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            **as_fields("title", title, limit=200),
            company=company,
            user=user if user is not None and user.is_authenticated else None,
            params=params or {},
        )
        events.record("job.queued", job, user, {"kind": kind, "title": str(title)}, company=company)
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> bool:
    """Send the job to the worker. A broker that is down leaves it queued for the sweeper."""
    from tandem.core.jobs.tasks import run_job

    Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(enqueued_at=timezone.now())
    try:
        run_job.apply_async((job_id,), **_route())
    except Exception:  # the broker is unreachable: the job stays queued and is sent again later
        logger.exception("could not send job %s to the worker; it will be retried", job_id)
        return False
    return True


def _route() -> dict[str, Any]:
    queue = getattr(settings, "TANDEM_JOBS_QUEUE", None)
    return {"queue": queue} if queue else {}


@transaction.atomic
def cancel(job: Job, actor: User) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next check."""
    if not Job.objects.visible_to(actor).filter(pk=job.pk).exists():
        raise NotAllowed(_("You cannot cancel this job."))
    try:
        states.transition(
            job, "cancelled", actor, fields={"cancel_requested": True}, where={"state": Job.State.QUEUED},
            data={"kind": job.kind},
        )  # fmt: skip
    except IllegalTransition:
        if not Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(cancel_requested=True):
            raise Conflict(_("This job has already finished.")) from None
        job.refresh_from_db()
        events.record("job.cancel_requested", job, actor, {"kind": job.kind}, company=job.company)
    return job


# --- running -----------------------------------------------------------------------------


class Progress:
    """What a handler reports while it works; writes to the job row are throttled."""

    def __init__(self, job: Job, *, interval: float | None = None) -> None:
        self.job = job
        self.interval = PROGRESS_INTERVAL if interval is None else interval
        self.total: int | None = job.total
        self.done: int = job.done
        self._last_write = 0.0
        self._last_check = time.monotonic()
        self._cancelled = job.cancel_requested

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        self.flush()

    def advance(self, k: int = 1) -> None:
        self.done += int(k)
        self._maybe_flush()

    def set_done(self, done: int) -> None:
        self.done = max(0, int(done))
        self._maybe_flush()

    def raise_if_cancelled(self) -> None:
        """Stop here (raise :class:`JobCancelled`) if someone asked to cancel the job."""
        now = time.monotonic()
        if not self._cancelled and now - self._last_check >= self.interval:
            self._last_check = now
            self._cancelled = Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        if self._cancelled:
            raise JobCancelled

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_write >= self.interval:
            self.flush()

    def flush(self) -> None:
        self._last_write = time.monotonic()
        done = self.done if self.total is None else min(self.done, self.total)
        Job.objects.filter(pk=self.job.pk).update(total=self.total, done=done, heartbeat_at=timezone.now())
        self.job.total, self.job.done = self.total, done


def run(job_id: int, *, heartbeat: bool = False) -> Job | None:
    """Run a queued job to its end. Returns None when it was not queued (already run)."""
    job = Job.objects.select_related("company", "user").filter(pk=job_id).first()
    try:
        if job is None:
            raise IllegalTransition("no such job")
        states.transition(job, "started", fields={"heartbeat_at": timezone.now()}, data={"kind": job.kind})
    except IllegalTransition:
        logger.info("job %s is not queued (run already, or cancelled); skipped", job_id)
        return None
    function = _handlers.get(job.kind)
    if function is None:
        logger.error("job %s: no handler for kind %r", job_id, job.kind)
        return _finish(
            job, Job.State.FAILED, error=Message(gettext_noop("This kind of job is not known to the worker."))
        )
    progress = Progress(job)
    beat = _Heartbeat(job_id) if heartbeat else None
    try:
        if beat is not None:
            beat.start()
        if job.cancel_requested:
            raise JobCancelled
        result = function(job, progress)
    except JobCancelled:
        progress.flush()
        return _finish(job, Job.State.CANCELLED)
    except BusinessError as error:
        logger.info("job %s (%s) stopped: %s", job_id, job.kind, error.message)
        _flush_quietly(progress)
        return _finish(job, Job.State.FAILED, error=error.stored)
    except Exception:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _flush_quietly(progress)
        return _finish(
            job,
            Job.State.FAILED,
            error=Message(
                gettext_noop(
                    "The job stopped because of an unexpected error (job %(id)s). The log has the details."
                ),
                {"id": job_id},
            ),
        )
    finally:
        if beat is not None:
            beat.stop()
    if progress.total is not None:
        progress.done = progress.total
    progress.flush()
    return _finish(job, Job.State.SUCCEEDED, result=result if result is not None else {})


def _flush_quietly(progress: Progress) -> None:
    try:
        progress.flush()
    except Exception:
        logger.exception("could not write the progress of job %s", progress.job.pk)


def _finish(job: Job, state: str, *, result: Any = None, error: str | Message = "") -> Job:
    """Write the end state, only if the job is still running (the sweeper may have been first)."""
    fields: dict[str, Any] = {
        **as_fields("error", error, limit=MESSAGE_LIMIT),
        "heartbeat_at": timezone.now(),
    }
    if result is not None:
        fields["result"] = storable(result)
    try:
        states.transition(
            job, str(state), fields=fields, where={"state": Job.State.RUNNING},
            data={"kind": job.kind, "error": str(error)} if error else {"kind": job.kind},
        )  # fmt: skip
    except IllegalTransition:
        job.refresh_from_db()
    return job


class _Heartbeat:
    """Refreshes ``heartbeat_at`` from a thread while a handler runs, so a long step between
    two progress reports is not mistaken for a dead worker. Only used by the real worker."""

    def __init__(self, job_id: int, interval: float = HEARTBEAT_INTERVAL) -> None:
        self.job_id = job_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.job_id, state=Job.State.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # the handler may hold the SQLite write lock; try again later
                    logger.warning("job %s: could not write the heartbeat", self.job_id, exc_info=True)
        finally:
            connection.close()


# --- housekeeping ------------------------------------------------------------------------


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "TANDEM_JOB_STALE_AFTER", 600))


def requeue_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "TANDEM_JOB_REQUEUE_AFTER", 900))


def sweep_stale_jobs() -> tuple[int, int]:
    """Fail running jobs whose worker stopped giving signs of life; resend lost queued jobs.

    Returns ``(failed, resent)``.
    """
    now = timezone.now()
    failed = 0
    stale = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=now - stale_after())
    lost_worker = Message(
        gettext_noop("The worker running this job stopped before it finished. Start it again.")
    )
    for job in stale.select_related("company"):
        with contextlib.suppress(IllegalTransition):
            states.transition(
                job, "failed", fields=as_fields("error", lost_worker),
                where={"heartbeat_at": job.heartbeat_at}, data={"kind": job.kind, "stale": True},
            )  # fmt: skip
            failed += 1
    # Queued jobs whose message never reached the broker (process died between commit and
    # send, or the broker was down). Running a job twice is harmless: only one claim wins.
    resent = 0
    lost = Job.objects.filter(state=Job.State.QUEUED, created_at__lt=now - requeue_after()).exclude(
        enqueued_at__gte=now - requeue_after()
    )
    for job_id in lost.values_list("pk", flat=True)[:1000]:
        resent += int(enqueue(job_id))
    return failed, resent


def run_scheduled(name: str) -> ScheduledRun:
    """Run one declared schedule now and log its run (called by the beat-driven task)."""
    schedule = _schedules.get(name)
    run_row = ScheduledRun.objects.create(name=name, started_at=timezone.now())
    message: str | Message
    if schedule is None:
        outcome = ScheduledRun.Outcome.FAILED
        message = Message(gettext_noop("No schedule of this name is declared."))
    else:
        try:
            message = schedule.function() or ""
            outcome = ScheduledRun.Outcome.SUCCEEDED
        except Exception as error:
            logger.exception("scheduled job %s failed", name)
            outcome = ScheduledRun.Outcome.FAILED
            message = error.stored if isinstance(error, BusinessError) else f"{type(error).__name__}: {error}"
    ScheduledRun.objects.filter(pk=run_row.pk).update(
        outcome=outcome, **as_fields("message", message, limit=MESSAGE_LIMIT), finished_at=timezone.now()
    )
    run_row.refresh_from_db()
    return run_row


def last_runs() -> dict[str, ScheduledRun]:
    """The latest run of each schedule name."""
    latest: dict[str, ScheduledRun] = {}
    for name in _schedules:
        found = ScheduledRun.objects.filter(name=name).order_by("-started_at", "-id").first()
        if found is not None:
            latest[name] = found
    return latest
