"""Handlers used by the job tests, registered once at import."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.errors import BusinessError
from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job

CALLS: list[int] = []


@jobs.handler("tests.count")
def count(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    CALLS.append(job.pk)
    steps = int(job.params.get("steps", 5))
    progress.set_total(steps)
    for _step in range(steps):
        progress.raise_if_cancelled()
        progress.advance()
    return {"counted": steps, "link": "/partners/", "link_label": "Open the partners"}


@jobs.handler("tests.crash")
def crash(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    progress.set_total(3)
    progress.advance()
    raise ValueError("secret internal detail")


@jobs.handler("tests.refuse")
def refuse(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    raise BusinessError("Row 7 has no name.")


@jobs.handler("tests.cancel_midway")
def cancel_midway(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    progress.set_total(10)
    for step in range(10):
        if step == 3:  # someone presses Cancel while the job runs
            assert job.user is not None
            jobs.cancel(Job.objects.get(pk=job.pk), job.user)
        progress.raise_if_cancelled()
        progress.advance()
    return {}


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    CALLS.clear()


@pytest.fixture
def eager(settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def instant_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check for cancel on every call (no throttling), so a test sees it at once."""
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0.0)
