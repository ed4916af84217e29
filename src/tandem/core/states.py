"""Document states: transitions declared as data, one helper that changes ``state``.

A document model declares ``TRANSITIONS = {"confirm": Transition({"draft"}, "confirmed")}``;
each business action is a service that calls :func:`transition`. Nothing else writes
``state``, and an illegal move raises :class:`IllegalTransition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import IllegalTransition


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str

    def __init__(self, sources: set[str] | frozenset[str], target: str) -> None:
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)


def allowed_actions(document: models.Model) -> list[str]:
    """The actions whose transition starts from the document's current state."""
    state = document.state  # type: ignore[attr-defined]
    return [name for name, t in _transitions(document).items() if state in t.sources]


def transition(document: models.Model, action: str, actor: Any = None, **data: Any) -> models.Model:
    """Move ``document`` along ``action``, save it, and record ``<model>.<action>``."""
    declared = _transitions(document)
    if action not in declared:
        raise IllegalTransition(_("Unknown action “%(action)s”.") % {"action": action})
    move = declared[action]
    current = document.state  # type: ignore[attr-defined]
    if current not in move.sources:
        raise IllegalTransition(
            _("Cannot %(action)s a document that is %(state)s.") % {"action": action, "state": current}
        )
    document.state = move.target  # type: ignore[attr-defined]
    document.save(update_fields=["state"])
    events.record(
        f"{document._meta.model_name}.{action}",
        document,
        actor,
        {"state": [current, move.target], **data},
    )
    return document


def _transitions(document: models.Model) -> dict[str, Transition]:
    return dict(getattr(type(document), "TRANSITIONS", {}))
