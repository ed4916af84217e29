"""Uploaded files and reports are deleted after TANDEM_IMPORT_KEEP_DAYS; the runs stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.errors import BusinessError
from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.models import User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun

pytestmark = pytest.mark.django_db

CSV = "Ref;Name;E-mail\nR1;Old One;one@old.example\nR2;Old Two;not an e-mail\n"


def _age(run: ImportRun, days: int) -> ImportRun:
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return ImportRun.objects.get(pk=run.pk)


def _stored_files(run: ImportRun) -> list[tuple[Any, str]]:
    files = (run.source, run.outcomes, run.rejected, run.checked_rows)
    return [(file.storage, file.name) for file in files if file]


def test_old_files_are_removed_and_the_runs_say_so(
    run_import: Callable[..., ImportRun], manager: User, client: Any
) -> None:
    imported = _age(run_import(CSV, mode="valid"), 31)
    checked = _age(run_import(CSV, commit=False), 45)
    recent = _age(run_import(CSV, commit=False), 29)
    old_files = _stored_files(imported) + _stored_files(checked)
    assert len(old_files) == 7  # source, outcomes, rejected rows (+ the dry run's checks)

    assert services.remove_old_files() == 2

    assert not any(storage.exists(name) for storage, name in old_files)
    imported.refresh_from_db()
    assert imported.state == ImportRun.State.DONE and not _stored_files(imported)
    assert imported.result["created"] == 1  # the record of what was imported stays
    checked.refresh_from_db()
    assert checked.state == ImportRun.State.FAILED and "removed after 30 days" in checked.status_error
    with pytest.raises(BusinessError, match="Upload it again"):
        services.start_dry_run(checked, manager)
    recent.refresh_from_db()
    assert recent.state == ImportRun.State.CHECKED and len(_stored_files(recent)) == 4

    client.force_login(manager)
    page = client.get(f"/imports/{imported.pk}/")
    assert page.status_code == 200 and "data-rejected-download" not in page.content.decode()
    assert client.get(f"/imports/{imported.pk}/rejected.csv").status_code == 404
    assert "Upload it again" in client.get(f"/imports/{checked.pk}/preview/").content.decode()


def test_a_running_import_keeps_its_file(upload: Callable[..., ImportRun], manager: User) -> None:
    run = upload(CSV)
    job = Job.objects.create(kind="imports.commit", title="t", company=run.company, state=Job.State.RUNNING)
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.IMPORTING, job_id=job.pk)
    run = _age(run, 60)
    assert services.remove_old_files() == 0
    assert run.source.storage.exists(run.source.name)


def test_an_import_whose_job_ended_without_it_loses_its_file(upload: Callable[..., ImportRun]) -> None:
    run = upload(CSV)
    job = Job.objects.create(kind="imports.commit", title="t", company=run.company, state=Job.State.FAILED)
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.IMPORTING, job_id=job.pk)
    run = _age(run, 60)
    assert services.remove_old_files() == 1
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and not run.source


def test_the_retention_follows_the_setting(upload: Callable[..., ImportRun], settings: Any) -> None:
    settings.TANDEM_IMPORT_KEEP_DAYS = 7
    run = _age(upload(CSV), 8)
    assert services.remove_old_files() == 1
    run.refresh_from_db()
    assert not run.source and "removed after 7 days" in run.status_error


def test_it_runs_daily_on_the_schedule() -> None:
    declared = {entry.name: entry for entry in jobs.schedules()}
    assert declared["imports.remove_old_files"].every == timedelta(days=1)
