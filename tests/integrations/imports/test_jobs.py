"""Large files are checked and imported as background jobs with progress."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tandem.partners.models import Partner

ROWS = 30


WORDS = [
    "amber",
    "birch",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "heron",
    "iris",
    "jade",
    "kite",
    "lotus",
    "maple",
    "nova",
    "onyx",
    "pearl",
    "quartz",
    "raven",
    "sage",
    "tulip",
    "umber",
    "violet",
    "willow",
    "xenon",
    "yarrow",
    "zinnia",
    "arbor",
    "basil",
    "coral",
    "dune",
]


def _content() -> bytes:
    return ("ref;name\n" + "".join(f"J-{i};{WORDS[i].title()} Trading\n" for i in range(ROWS))).encode()


def test_large_file_runs_as_jobs(
    upload: Callable[..., ImportRun], manager: Any, settings: Any, django_capture_on_commit_callbacks: Any,
    client: Any,
) -> None:  # fmt: skip
    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 10
    run = upload(_content())
    with django_capture_on_commit_callbacks(execute=False):
        run = services.start_dry_run(run, manager)
    assert run.state == ImportRun.State.CHECKING and run.job_id is not None
    client.force_login(manager)
    assert f'id="job-{run.job_id}-progress"' in client.get(f"/imports/{run.pk}/").content.decode()
    job = jobs.run(run.job_id)
    assert job is not None and job.state == Job.State.SUCCEEDED, job.error
    assert (job.total, job.done) == (ROWS, ROWS) and job.result["link"] == f"/imports/{run.pk}/"
    run.refresh_from_db()
    assert run.state == ImportRun.State.CHECKED and run.summary["counts"]["new"] == ROWS, run.summary

    with django_capture_on_commit_callbacks(execute=False):
        run = services.start_commit(run, manager, mode="all")
    assert run.state == ImportRun.State.IMPORTING
    job = jobs.run(run.job_id)
    assert job is not None and job.state == Job.State.SUCCEEDED, job.error
    assert job.total == 2 * ROWS  # checked, then written
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and Partner.objects.count() == ROWS


def test_cancelled_all_or_nothing_import_writes_nothing(
    upload: Callable[..., ImportRun], manager: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 10
    run = services.dry_run(upload(_content()), manager)
    with django_capture_on_commit_callbacks(execute=False):
        run = services.start_commit(run, manager, mode="all")
    Job.objects.filter(pk=run.job_id).update(cancel_requested=True)
    Job.objects.filter(pk=run.job_id).update(state=Job.State.QUEUED)
    job = jobs.run(run.job_id)
    assert job is not None and job.state == Job.State.CANCELLED
    run = ImportRun.objects.get(pk=run.pk)  # the handler never ran: its status says it ended
    assert run.status == ImportRun.State.FAILED and "Nothing was imported" in run.status_error
    assert not Partner.objects.exists()


class _CancelHalfway:
    def __init__(self) -> None:
        self.done = 0

    def set_total(self, total: int) -> None:
        pass

    def advance(self, k: int = 1) -> None:
        self.done += k

    def raise_if_cancelled(self) -> None:
        if self.done > ROWS:  # after the checking pass, while writing
            raise jobs.JobCancelled


def test_cancel_while_writing_rolls_everything_back(
    upload: Callable[..., ImportRun], manager: Any, monkeypatch: Any
) -> None:
    from tandem.integrations.imports import engine

    monkeypatch.setattr(engine, "CHUNK", 10)
    run = services.dry_run(upload(_content()), manager)
    run.mode, run.state = ImportRun.Mode.ALL_OR_NOTHING, ImportRun.State.IMPORTING  # as start_commit
    run.save()
    with pytest.raises(jobs.JobCancelled):
        services.commit(run, manager, progress=_CancelHalfway())
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and not Partner.objects.exists()


def test_work_that_stopped_with_its_process_does_not_stay_running(
    upload: Callable[..., ImportRun], manager: Any
) -> None:
    run = services.dry_run(upload(_content()), manager)
    ImportRun.objects.filter(pk=run.pk).update(
        state=ImportRun.State.IMPORTING, job_id=None, updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.State.IMPORTING

    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=16))
    run = ImportRun.objects.get(pk=run.pk)

    assert run.status == ImportRun.State.FAILED and "stopped before it finished" in run.status_error
    run = services.start_dry_run(run, manager)  # and it can go on
    assert run.state == ImportRun.State.CHECKED


def test_the_sweep_that_fails_a_lost_job_fails_its_import_in_the_list(
    upload: Callable[..., ImportRun], manager: Any, settings: Any, client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    """Issue 22: the list said "Importing" until the run's own page was opened."""
    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 10
    run = services.dry_run(upload(_content()), manager)
    with django_capture_on_commit_callbacks(execute=False):
        run = services.start_commit(run, manager, mode="all")
    lost = timezone.now() - jobs.stale_after() - timedelta(minutes=1)
    Job.objects.filter(pk=run.job_id).update(state=Job.State.RUNNING, heartbeat_at=lost)
    client.force_login(manager)
    assert "<td>Importing</td>" in client.get("/imports/?spec=partners.partner").content.decode()

    assert jobs.sweep_stale_jobs() == (1, 0)

    listed = client.get("/imports/?spec=partners.partner").content.decode()
    assert "<td>Failed</td>" in listed and "<td>Importing</td>" not in listed
    run = ImportRun.objects.get(pk=run.pk)
    assert run.status == ImportRun.State.FAILED and "worker running this job stopped" in run.status_error
    run = services.start_dry_run(run, manager)  # and it can be checked again
    assert run.state == ImportRun.State.CHECKING and run.job_id is not None
