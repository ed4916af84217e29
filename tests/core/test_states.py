"""Document states: the one helper that moves ``state`` is a compare-and-set, declared as data."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core import events, states
from tandem.core.errors import IllegalTransition
from tandem.core.jobs.models import Job
from tandem.core.models import Event
from tandem.core.notifications.models import OutgoingEmail
from tandem.core.states import Transition

SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"


def _job(company: Any, **fields: Any) -> Job:
    return Job.objects.create(kind="tests.count", title="Count", company=company, **fields)


@pytest.mark.django_db
def test_a_stale_copy_cannot_move_the_state_again(company: Any) -> None:
    first = _job(company)
    second = Job.objects.get(pk=first.pk)  # read while still queued
    states.transition(first, "started")

    with pytest.raises(IllegalTransition, match="Running") as refused:
        states.transition(second, "started")

    assert refused.value.extra["state"] == Job.State.RUNNING
    assert Event.objects.filter(name="job.started").count() == 1


@pytest.mark.django_db
def test_a_move_is_one_conditional_update_with_its_stamps_fields_and_event(
    company: Any, manager: Any
) -> None:
    job = _job(company)
    with CaptureQueriesContext(connection) as queries:
        states.transition(job, "started", manager, fields={"done": 3}, data={"kind": job.kind})

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and '"state" IN' in updates[0]
    stored = Job.objects.get(pk=job.pk)
    assert (stored.state, stored.done, stored.started_at) == (Job.State.RUNNING, 3, job.started_at)
    assert stored.started_at is not None
    event = Event.objects.get(name="job.started")
    assert event.actor == manager and event.data == {"state": ["queued", "running"], "kind": "tests.count"}


@pytest.mark.django_db
def test_show_moved_gives_the_callers_copy_what_a_refresh_would_read_without_a_query(
    company: Any, manager: Any
) -> None:
    caller = _job(company)
    assert caller.company == company  # a cached relation, which a refresh drops
    locked = Job.objects.get(pk=caller.pk)
    states.transition(locked, "started", manager, fields={"done": 3})

    with CaptureQueriesContext(connection) as queries:
        states.show_moved(caller, locked)

    assert queries.captured_queries == []
    refreshed = Job.objects.get(pk=caller.pk)
    fields = [f.attname for f in Job._meta.concrete_fields]
    assert [getattr(caller, f) for f in fields] == [getattr(refreshed, f) for f in fields]
    assert (caller.state, caller.done) == (Job.State.RUNNING, 3)
    assert not Job._meta.get_field("company").is_cached(caller)
    with pytest.raises(ValueError, match="same record"):
        states.show_moved(_job(company), locked)
    with pytest.raises(ValueError, match="every field"):
        states.show_moved(caller, Job.objects.only("pk").get(pk=caller.pk))


@pytest.mark.django_db
def test_a_declared_actor_field_is_stamped(
    company: Any, manager: Any, monkeypatch: Any, declare_events: Callable[..., None]
) -> None:
    declare_events(events.EventType("job.taken", "Taken", {"state": ""}))
    monkeypatch.setitem(
        Job.TRANSITIONS, "taken", Transition({"queued"}, "running", by="user", at="started_at")
    )
    job = _job(company)
    states.transition(job, "taken", manager)
    assert Job.objects.get(pk=job.pk).user == manager


@pytest.mark.django_db
def test_a_move_from_a_wrong_state_changes_nothing(company: Any) -> None:
    job = _job(company, state=Job.State.SUCCEEDED, done=7)
    recorded = Event.objects.count()
    with pytest.raises(IllegalTransition, match="Succeeded"):
        states.transition(job, "cancelled", fields={"done": 0})
    assert Job.objects.filter(pk=job.pk, state=Job.State.SUCCEEDED, done=7, finished_at=None).exists()
    assert Event.objects.count() == recorded


@pytest.mark.django_db
def test_an_unknown_action_or_a_state_in_fields_is_refused(company: Any) -> None:
    job = _job(company)
    with pytest.raises(IllegalTransition, match="Unknown action"):
        states.transition(job, "teleported")
    with pytest.raises(ValueError, match="target"):
        states.transition(job, "started", fields={"state": "succeeded"})


@pytest.mark.django_db
def test_allowed_actions_follow_the_table(company: Any) -> None:
    assert states.allowed_actions(_job(company)) == ["started", "cancelled"]
    assert states.allowed_actions(OutgoingEmail(state=OutgoingEmail.State.FAILED)) == ["requeued"]


def test_every_model_with_a_state_declares_its_transitions() -> None:
    assert states.check_declared_transitions() == []


def test_the_check_fails_a_state_without_transitions_or_with_an_unknown_state(monkeypatch: Any) -> None:
    monkeypatch.delattr(OutgoingEmail, "TRANSITIONS")
    monkeypatch.setitem(Job.TRANSITIONS, "lost", Transition({"queued"}, "vanished"))

    found = {(error.id, error.obj) for error in checks.run_checks(tags=[checks.Tags.models])}

    assert ("tandem.E001", OutgoingEmail) in found
    assert ("tandem.E002", Job) in found


# --- nothing but the helper writes a state ----------------------------------------------

_PATTERN = re.compile(r"\.state\s*=[^=]|update\(\s*state\s*=")


def _state_writes(tree: ast.AST) -> list[int]:
    """Lines that assign ``x.state`` (also in a tuple), pass ``state=`` to ``update``,
    list ``"state"`` in ``update_fields`` or call ``setattr(x, "state", …)``."""
    return [node.lineno for node in ast.walk(tree) if _assigns_state(node) or _call_writes_state(node)]


def _assigns_state(node: ast.AST) -> bool:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        for target in node.targets:
            targets += target.elts if isinstance(target, ast.Tuple) else [target]
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    return any(isinstance(t, ast.Attribute) and t.attr == "state" for t in targets)


def _call_writes_state(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    keywords = {k.arg: k.value for k in node.keywords}
    if name in {"update", "update_or_create"} and "state" in keywords:
        return True
    fields = keywords.get("update_fields")
    if fields is not None and "'state'" in ast.dump(fields):
        return True
    second = node.args[1] if len(node.args) > 1 else None
    return name == "setattr" and isinstance(second, ast.Constant) and second.value == "state"


def _sources() -> list[Path]:
    helper = SRC / "core" / "states.py"
    return [path for path in SRC.rglob("*.py") if "migrations" not in path.parts and path != helper]


def test_no_code_but_the_helper_writes_a_state() -> None:
    found = []
    for path in _sources():
        text = path.read_text()
        found += [f"{path.relative_to(SRC)}:{n}" for n in _state_writes(ast.parse(text))]
        found += [f"{path.relative_to(SRC)}: {m.group()}" for m in _PATTERN.finditer(text)]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "run.state = 'done'",
        "run.state, run.error = 'failed', message",
        "Job.objects.filter(pk=1).update(state='failed')",
        "email.save(update_fields=['attempts', 'state'])",
        "setattr(run, 'state', 'done')",
    ],
)
def test_the_scan_finds_each_way_of_writing_a_state(line: str) -> None:
    assert _state_writes(ast.parse(line)) or _PATTERN.search(line)
