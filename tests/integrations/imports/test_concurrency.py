"""Two people (or two clicks) import the same checked file at the same instant: it is imported once.

Row locks only exist on PostgreSQL (SQLite serialises writers), so this runs there only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from tandem.core.errors import Conflict
from tandem.core.models import User
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun
from tandem.partners.models import Partner

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the reference_data fixture re-seeds what a flush removed
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

CSV = "Ref;Name\n" + "".join(f"C-{n};Concurrent {n}\n" for n in range(1, 21))


def test_two_imports_of_one_file_at_once_import_it_once(
    upload: Callable[..., ImportRun], manager: User, admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = services.start_dry_run(upload(CSV), manager)
    assert run.state == ImportRun.State.CHECKED
    real_commit = services.commit

    def slow_commit(*args: Any, **kwargs: Any) -> ImportRun:
        time.sleep(0.5)  # the twin arrives while the first one imports
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(services, "commit", slow_commit)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def import_as(person: User) -> None:
        try:
            barrier.wait()
            outcomes.append(services.start_commit(ImportRun.objects.get(pk=run.pk), person, mode="all"))
        except Exception as exc:  # the loser's answer, checked below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=import_as, args=(person,)) for person in (manager, admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    done = [o for o in outcomes if isinstance(o, ImportRun)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    assert done[0].state == ImportRun.State.DONE and done[0].result["created"] == 20
    assert "running" in refused[0].message
    assert Partner.objects.filter(ref__startswith="C-").count() == 20
    assert ImportRun.objects.get(pk=run.pk).state == ImportRun.State.DONE
