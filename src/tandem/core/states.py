"""Document states: transitions declared as data, one helper that changes ``state``.

A model with a ``state`` declares its moves::

    class Order(models.Model):
        TRANSITIONS = {
            "confirmed": Transition({"draft"}, "confirmed", by="confirmed_by", at="confirmed_at"),
            "cancelled": Transition({"draft", "confirmed"}, "cancelled"),
        }

and each business action is a service that calls ``transition(order, "confirmed", actor)``.
The move is a compare-and-set: one ``UPDATE … SET state = target WHERE pk = … AND state IN
(sources)``, so of two people (or workers) moving the same row at once exactly one wins and
the other gets :class:`IllegalTransition` naming the state it found. In the same transaction
it records the event ``<EVENT_PREFIX or model name>.<action>`` — name actions as the event
they leave in the log (``confirmed``, ``sent``). Nothing else writes ``state``: a system check
refuses a model with a ``state`` and no ``TRANSITIONS``, and a test refuses ``.state =`` in
``src/``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core import checks
from django.db import models, transaction
from django.db.models.expressions import Combinable
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import IllegalTransition

__all__ = ["IllegalTransition", "Transition", "allowed_actions", "transition", "transition_rows"]


@dataclass(frozen=True)
class Transition:
    """From any of ``sources`` to ``target``; ``by``/``at`` name fields stamped with the actor
    and the time of the move. ``record=False`` only for rows that are themselves the outbox
    of the event log (a webhook delivery recorded as an event would be delivered again)."""

    sources: frozenset[str]
    target: str
    by: str | None = None
    at: str | None = None
    record: bool = True

    def __init__(
        self,
        sources: Iterable[str],
        target: str,
        *,
        by: str | None = None,
        at: str | None = None,
        record: bool = True,
    ) -> None:
        object.__setattr__(self, "sources", frozenset(str(s) for s in sources))
        object.__setattr__(self, "target", str(target))
        object.__setattr__(self, "by", by)
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "record", record)


def allowed_actions(document: models.Model) -> list[str]:
    """The actions whose transition starts from the document's current state."""
    state = document.state  # type: ignore[attr-defined]
    return [name for name, move in transitions_of(type(document)).items() if state in move.sources]


def transition(
    document: models.Model,
    action: str,
    actor: Any = None,
    *,
    fields: Mapping[str, Any] | None = None,
    where: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    company: Any = None,
) -> models.Model:
    """Move ``document`` along ``action`` with one conditional UPDATE and record the event.

    ``fields`` are written in the same UPDATE (a job's ``finished_at`` and ``result``);
    ``where`` adds conditions to it (a job is failed by the sweeper only if its heartbeat is
    still the one it saw). ``data`` goes into the event beside ``{"state": [from, to]}``.
    Raises :class:`IllegalTransition` and changes nothing when the row is not in a source
    state (or ``where`` does not hold). The instance is updated in place and returned.
    """
    model = type(document)
    move = transitions_of(model).get(action)
    if move is None:
        raise IllegalTransition(_("Unknown action “%(action)s”.") % {"action": action})
    now = timezone.now()
    values = _values(model, move, actor, now, fields or {})
    with transaction.atomic():
        rows = model._base_manager.filter(pk=document.pk, state__in=move.sources, **(where or {}))
        if not rows.update(**values):
            found = _current_state(model, document.pk)
            raise IllegalTransition(_illegal_message(model, found), state=found)
        previous = str(getattr(document, "state", ""))
        _apply(document, values)
        if move.record:
            _record(document, action, actor, previous, move.target, data, company)
    return document


def show_moved(instance: models.Model, row: models.Model) -> None:
    """Make ``instance``, the caller's copy of a record, show ``row``: the same record read
    under its row lock in this transaction and written since only by :func:`transition`
    (which mirrors its UPDATE on the row it moves). The caller's instance then holds what
    ``instance.refresh_from_db()`` would read, without reading it again: the fields' values,
    the cached relations dropped (read again when used). Only where nothing else wrote the
    row after it was read: no handler of the transition's event, which run inside the
    transaction, changes it."""
    if type(instance) is not type(row) or instance.pk != row.pk:
        raise ValueError("show_moved() copies a record onto another copy of the same record")
    if row.get_deferred_fields():
        raise ValueError("show_moved() needs the row with every field read")
    options = instance._meta
    for field in options.concrete_fields:
        setattr(instance, field.attname, getattr(row, field.attname))
        if isinstance(field, models.ForeignObject) and field.is_cached(instance):
            field.delete_cached_value(instance)
    for related in options.related_objects:
        if related.is_cached(instance):
            related.delete_cached_value(instance)
    for private in options.private_fields:
        if private.is_relation and private.is_cached(instance):  # type: ignore[attr-defined]
            private.delete_cached_value(instance)  # type: ignore[attr-defined]
    vars(instance).pop("_prefetched_objects_cache", None)
    instance._state.db = row._state.db
    instance._state.adding = False


def transition_rows(
    rows: models.QuerySet[Any], action: str, actor: Any = None, *, fields: Mapping[str, Any] | None = None
) -> int:
    """Move every row of ``rows`` that is in a source state along ``action`` with one conditional
    UPDATE (rows in other states are left as they are) and answer how many moved: for a bulk
    move of rows that record no event of their own (``record=False``; their service records one
    event for the lot), e.g. a new MRP run superseding the proposals of the earlier ones."""
    model = rows.model
    move = transitions_of(model).get(action)
    if move is None:
        raise IllegalTransition(_("Unknown action “%(action)s”.") % {"action": action})
    if move.record:
        raise ValueError("a transition that records an event moves one document at a time: transition()")
    values = _values(model, move, actor, timezone.now(), fields or {})
    return int(rows.filter(state__in=move.sources).update(**values))


def transitions_of(model: type[models.Model]) -> dict[str, Transition]:
    return dict(getattr(model, "TRANSITIONS", {}))


def _values(
    model: type[models.Model], move: Transition, actor: Any, now: Any, fields: Mapping[str, Any]
) -> dict[str, Any]:
    if "state" in fields:
        raise ValueError("a transition's target is its state; do not pass it in fields")
    values: dict[str, Any] = {
        field.name: now for field in model._meta.concrete_fields if getattr(field, "auto_now", False)
    }
    if move.at:
        values[move.at] = now
    if move.by:
        values[move.by] = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    values.update(fields)
    values["state"] = move.target
    return values


def _current_state(model: type[models.Model], pk: Any) -> str:
    """The state the row really has (empty if it is gone), read after the UPDATE missed."""
    found = model._base_manager.filter(pk=pk).values_list("state", flat=True).first()
    return str(found) if found is not None else ""


def _illegal_message(model: type[models.Model], found: str) -> str:
    if not found:
        return _("This record no longer exists.")
    label = _state_label(model, found)
    return _("This cannot be done now: its state is “%(state)s”.") % {"state": label}


def _state_label(model: type[models.Model], state: str) -> str:
    field = model._meta.get_field("state")
    choices = dict(field.flatchoices) if isinstance(field, models.Field) else {}
    return str(choices.get(state, state))


def _apply(document: models.Model, values: dict[str, Any]) -> None:
    """Mirror the UPDATE on the instance; expressions (``F("attempts") + 1``) are read back."""
    computed = [name for name, value in values.items() if isinstance(value, Combinable)]
    for name, value in values.items():
        if name not in computed:
            setattr(document, name, value)
    if computed:
        document.refresh_from_db(fields=computed)


def _record(
    document: models.Model,
    action: str,
    actor: Any,
    previous: str,
    target: str,
    data: Mapping[str, Any] | None,
    company: Any,
) -> None:
    prefix = getattr(type(document), "EVENT_PREFIX", None) or document._meta.model_name
    events.record(
        f"{prefix}.{action}",
        document,
        actor,
        {"state": [previous, target], **(data or {})},
        company=company,
    )


# --- the system check --------------------------------------------------------------------


@checks.register(checks.Tags.models)
def check_declared_transitions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every model with a ``state`` field declares its ``TRANSITIONS``, each to a real state."""
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        try:
            field = model._meta.get_field("state")
        except Exception:
            continue
        if not isinstance(field, models.Field) or not field.concrete:
            continue
        declared = getattr(model, "TRANSITIONS", None)
        if not declared:
            errors.append(
                checks.Error(
                    f"{model._meta.label} has a state field but declares no TRANSITIONS.",
                    hint="Declare TRANSITIONS = {action: Transition(sources, target)} and move the state "
                    "only with tandem.core.states.transition.",
                    obj=model,
                    id="tandem.E001",
                )
            )
            continue
        errors.extend(_unknown_states(model, field, declared))
    return errors


def _unknown_states(
    model: type[models.Model], field: models.Field[Any, Any], declared: Mapping[str, Transition]
) -> list[checks.CheckMessage]:
    known = {str(value) for value, _label in field.flatchoices} if field.choices else None
    if known is None:
        return []
    return [
        checks.Error(
            f"{model._meta.label}.TRANSITIONS[{action!r}] names a state that is not a choice: {state!r}.",
            obj=model,
            id="tandem.E002",
        )
        for action, move in declared.items()
        for state in sorted({*move.sources, move.target} - known)
    ]
