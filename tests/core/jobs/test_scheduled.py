"""Scheduled jobs: declared in code, wired into beat, each run logged with its outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job, ScheduledRun
from tandem.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db

calls: list[str] = []


@jobs.scheduled("tests.nightly", every=crontab(minute=0, hour=3))
def nightly() -> str:
    """Tidies up at night."""
    calls.append("nightly")
    return "tidied"


@jobs.scheduled("tests.broken", every=timedelta(minutes=1))
def broken() -> str:
    raise RuntimeError("disk full")


def test_declared_schedules_become_beat_entries():
    from tandem.celery import _declared_schedules, app

    _declared_schedules()
    entries = app.conf.beat_schedule
    assert entries["tandem:jobs.sweep_stale"]["schedule"] == timedelta(minutes=5)
    assert entries["tandem:core.purge_idempotency_keys"]["task"] == "jobs.run_scheduled"
    assert entries["tandem:tests.nightly"]["args"] == ("tests.nightly",)
    names = [schedule.name for schedule in jobs.schedules()]
    assert {"jobs.sweep_stale", "core.purge_idempotency_keys", "tests.nightly"} <= set(names)


def test_a_schedule_needs_exactly_one_interval():
    with pytest.raises(ValueError, match="exactly one"):
        jobs.scheduled("tests.bad")
    with pytest.raises(ValueError, match="exactly one"):
        jobs.scheduled("tests.bad", every=timedelta(minutes=1), crontab=crontab())
    with pytest.raises(ValueError, match="positive"):
        jobs.scheduled("tests.bad", every=timedelta(0))


def test_a_run_is_logged_with_its_outcome_and_message():
    run = jobs.run_scheduled("tests.nightly")
    assert (run.outcome, run.message) == (ScheduledRun.Outcome.SUCCEEDED, "tidied")
    assert run.finished_at is not None
    failed = jobs.run_scheduled("tests.broken")
    assert failed.outcome == ScheduledRun.Outcome.FAILED
    assert "disk full" in failed.message
    assert jobs.last_runs()["tests.nightly"] == run


def test_the_task_beat_sends_runs_the_schedule(settings):
    from tandem.core.jobs.tasks import run_scheduled

    settings.CELERY_TASK_ALWAYS_EAGER = True
    run_scheduled.delay("tests.nightly")
    assert ScheduledRun.objects.get(name="tests.nightly").outcome == "succeeded"


def test_purging_idempotency_keys_keeps_the_last_24_hours(admin):
    def record(key: str, age: timedelta) -> IdempotencyRecord:
        row = IdempotencyRecord.objects.create(
            user=admin,
            key=key,
            method="POST",
            path="/",
            request_hash="x",
            status=201,
            body=b"",
            content_type="",
        )
        IdempotencyRecord.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
        return row

    record("old", timedelta(hours=25))
    fresh = record("fresh", timedelta(hours=23))
    run = jobs.run_scheduled("core.purge_idempotency_keys")
    assert run.outcome == "succeeded"
    assert run.display_message == "1 expired idempotency keys deleted."
    assert list(IdempotencyRecord.objects.all()) == [fresh]


def test_the_sweeper_schedule_runs(salesperson):
    job = jobs.start("jobs.check_worker", user=salesperson, company=salesperson.active_company, title="x")
    Job.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now() - timedelta(hours=1))
    run = jobs.run_scheduled("jobs.sweep_stale")
    assert run.outcome == "succeeded"
    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED
