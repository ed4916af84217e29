"""Two workers firing the same transition at the same instant: exactly one moves the row.

Only PostgreSQL makes the second UPDATE wait for the first's row lock and then re-check its
condition (SQLite serialises writers), so these run there only.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections

from tandem.core import events, states
from tandem.core.errors import IllegalTransition
from tandem.core.jobs.models import Job
from tandem.core.models import Event

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _fire_together(job_id: int, action: str, count: int = 2) -> list[Any]:
    """Each thread loads the job (all see it queued), waits for the others, then moves it."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def fire(index: int) -> None:
        try:
            job = Job.objects.select_related("company").get(pk=job_id)
            barrier.wait()
            outcomes[index] = states.transition(job, action).state
        except IllegalTransition as refused:
            outcomes[index] = refused
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_of_two_identical_moves_at_once_exactly_one_wins(company: Any, monkeypatch: Any) -> None:
    job = Job.objects.create(kind="tests.count", title="Count", company=company)
    real_record = events.record

    def slow_record(*args: Any, **kwargs: Any) -> Any:  # hold the row lock while the twin arrives
        event = real_record(*args, **kwargs)
        time.sleep(0.5)
        return event

    monkeypatch.setattr(events, "record", slow_record)

    outcomes = _fire_together(job.pk, "started")

    winners = [o for o in outcomes if o == Job.State.RUNNING]
    refused = [o for o in outcomes if isinstance(o, IllegalTransition)]
    assert len(winners) == 1 and len(refused) == 1
    assert refused[0].extra["state"] == Job.State.RUNNING and "Running" in refused[0].message
    assert Event.objects.filter(name="job.started", subject_id=str(job.pk)).count() == 1


def test_a_move_from_a_wrong_state_changes_nothing(company: Any) -> None:
    job = Job.objects.create(kind="tests.count", title="Count", company=company, state=Job.State.CANCELLED)
    before = Job.objects.filter(pk=job.pk).values().get()

    with pytest.raises(IllegalTransition, match="Cancelled"):
        states.transition(job, "succeeded", fields={"result": {"done": True}, "done": 5})

    assert Job.objects.filter(pk=job.pk).values().get() == before
    assert not Event.objects.filter(subject_id=str(job.pk), name__startswith="job.").exists()
