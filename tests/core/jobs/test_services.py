"""Jobs: a handler's progress and result, failures, cancel, double delivery, the sweeper."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core import events
from tandem.core.errors import Conflict, NotAllowed
from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job

from .conftest import CALLS

pytestmark = pytest.mark.django_db


def _start(user: Any, kind: str = "tests.count", **params: Any) -> Job:
    return jobs.start(kind, user=user, company=user.active_company, title=f"Run {kind}", params=params)


def test_a_started_job_runs_after_commit_and_stores_progress_and_result(
    salesperson, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _start(salesperson, steps=7)
        assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED  # not before commit
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.total, job.done, job.percent) == (7, 7, 100)
    assert job.result == {"counted": 7, "link": "/partners/", "link_label": "Open the partners"}
    assert job.user == salesperson
    assert job.company == salesperson.active_company
    assert job.started_at is not None
    assert job.finished_at is not None
    assert list(events.for_subject(job).values_list("name", flat=True)) == [
        "job.succeeded",
        "job.started",
        "job.queued",
    ]


def test_progress_writes_are_throttled_and_always_written_at_the_end(salesperson, monkeypatch):
    job = _start(salesperson, steps=1000)
    clock = iter(x * 0.01 for x in range(100_000))  # each look at the clock: 10 ms later
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    with CaptureQueriesContext(connection) as queries:
        jobs.run(job.pk)
    writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "jobs_job"')]
    # ~3 clock reads per step → 1000 steps ≈ 30 s of fake time ≈ 4 writes per second at most
    assert len(writes) <= 4 * 31 + 4
    assert len(writes) >= 10
    job.refresh_from_db()
    assert (job.done, job.total, job.state) == (1000, 1000, Job.State.SUCCEEDED)


def test_progress_counts_without_a_total(salesperson):
    job = _start(salesperson)
    progress = jobs.Progress(job, interval=0)
    progress.advance(3)
    job.refresh_from_db()
    assert (job.done, job.total, job.percent) == (3, None, None)


def test_a_crash_fails_the_job_with_a_human_message_and_logs_the_traceback(salesperson, caplog):
    job = _start(salesperson, "tests.crash")
    with caplog.at_level(logging.ERROR, logger="tandem.core.jobs.services"):
        jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert f"job {job.pk}" in job.display_error
    assert "secret internal detail" not in job.display_error
    assert job.done == 1
    assert any(
        record.exc_info and "secret internal detail" in str(record.exc_info[1]) for record in caplog.records
    )


def test_a_business_error_is_shown_as_is(salesperson):
    job = _start(salesperson, "tests.refuse")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.error) == (Job.State.FAILED, "Row 7 has no name.")


def test_an_unknown_kind_is_refused_and_nothing_is_written(salesperson):
    with pytest.raises(LookupError):
        _start(salesperson, "tests.nobody_handles_this")
    assert not Job.objects.exists()


def test_a_job_whose_handler_the_worker_does_not_know_fails(salesperson):
    job = Job.objects.create(kind="tests.gone", title="Old", company=salesperson.active_company)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error


def test_running_twice_runs_once(salesperson):
    job = _start(salesperson)
    assert jobs.run(job.pk) is not None
    assert jobs.run(job.pk) is None
    assert [job.pk] == CALLS


def test_cancelling_a_queued_job_stops_it_before_it_runs(salesperson):
    job = _start(salesperson)
    jobs.cancel(job, salesperson)
    assert jobs.run(job.pk) is None
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert CALLS == []


def test_cancelling_a_running_job_stops_it_at_its_next_check(salesperson, instant_progress):
    job = _start(salesperson, "tests.cancel_midway")
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert job.done == 3
    assert job.finished_at is not None


def test_a_finished_job_cannot_be_cancelled(salesperson):
    job = _start(salesperson)
    jobs.run(job.pk)
    with pytest.raises(Conflict):
        jobs.cancel(job, salesperson)


def test_only_who_sees_the_job_may_cancel_it(salesperson, other_salesperson, admin):
    job = _start(salesperson)
    with pytest.raises(NotAllowed):
        jobs.cancel(job, other_salesperson)
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED
    jobs.cancel(job, admin)  # administrators see every job of their company
    assert Job.objects.get(pk=job.pk).state == Job.State.CANCELLED


def test_visibility(salesperson, other_salesperson, admin, make_user, other_company):
    mine = _start(salesperson)
    theirs = _start(other_salesperson)
    outsider_admin = make_user("otto", "administrator", company=other_company)
    assert list(Job.objects.visible_to(salesperson)) == [mine]
    assert set(Job.objects.visible_to(admin)) == {mine, theirs}
    assert not Job.objects.visible_to(outsider_admin).exists()


def test_the_sweeper_fails_jobs_of_a_dead_worker_and_leaves_live_ones(salesperson, settings):
    settings.TANDEM_JOB_STALE_AFTER = 600
    dead, alive = _start(salesperson), _start(salesperson)
    now = timezone.now()
    Job.objects.filter(pk=dead.pk).update(state="running", heartbeat_at=now - timedelta(minutes=11))
    Job.objects.filter(pk=alive.pk).update(state="running", heartbeat_at=now - timedelta(minutes=1))
    failed, _resent = jobs.sweep_stale_jobs()
    assert failed == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.state, alive.state) == (Job.State.FAILED, Job.State.RUNNING)
    assert dead.error
    # The dead worker's late report changes nothing.
    assert jobs._finish(dead, Job.State.SUCCEEDED, result={}).state == Job.State.FAILED


def test_the_sweeper_resends_queued_jobs_that_never_reached_the_worker(salesperson, eager):
    job = _start(salesperson)  # its on-commit send never happens: the test's transaction stays open
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    _failed, resent = jobs.sweep_stale_jobs()
    assert resent == 1
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED


def test_a_broker_that_is_down_leaves_the_job_queued(salesperson, monkeypatch, caplog):
    from tandem.core.jobs import tasks

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.run_job, "apply_async", refuse)
    job = _start(salesperson)
    with caplog.at_level(logging.ERROR):
        assert jobs.enqueue(job.pk) is False
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.enqueued_at is not None
