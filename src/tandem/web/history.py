"""The event log as a person reads it: who did what and when, and what changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from tandem.core import events
from tandem.core.models import Event
from tandem.web.display import as_text, verbose_name

# Data keys whose text is worth showing on the timeline, in this order.
DETAIL_KEYS = ("address", "name", "file", "subject", "text")


def event_label(name: str) -> str:
    """The declared label, in the reader's language (an event no longer declared, kept in an
    old log, shows its verb made readable)."""
    declared = events.declared(name)
    if declared is not None:
        return str(declared.label)
    return name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class Entry:
    event: Event
    label: str
    actor: str
    subject: str
    changes: list[Change] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def entries(events: Iterable[Event], subject: Model | None = None) -> list[Entry]:
    """Readable history entries; ``subject`` is the record whose page shows them."""
    found = []
    for event in events:
        model = _model(event)
        own = subject is not None and event.subject_id == str(subject.pk) and model is type(subject)
        found.append(
            Entry(
                event=event,
                label=event_label(event.name),
                actor=event.actor.display_name() if event.actor else str(_("System")),
                subject="" if own else event.subject_repr,
                changes=_changes(model, event.data.get("changes")),
                details=_details(event.data),
            )
        )
    return found


def _model(event: Event) -> type[Model] | None:
    if event.subject_type_id is None:
        return None
    return ContentType.objects.get_for_id(event.subject_type_id).model_class()


def _changes(model: type[Model] | None, changes: Any) -> list[Change]:
    if not isinstance(changes, dict):
        return []
    return [
        Change(
            label=verbose_name(model, name) if model else name,
            old=_value(model, name, pair[0] if pair else None),
            new=_value(model, name, pair[1] if len(pair) > 1 else None),
        )
        for name, pair in changes.items()
        if isinstance(pair, list | tuple)
    ]


def _value(model: type[Model] | None, name: str, value: Any) -> str:
    """A stored value with its choice label when the field has choices."""
    if model is not None and isinstance(value, str) and value:
        try:
            choices = dict(model._meta.get_field(name).flatchoices)  # type: ignore[union-attr]
        except (FieldDoesNotExist, AttributeError):
            choices = {}
        if value in choices:
            return str(choices[value])
    return as_text(value)


def _details(data: dict[str, Any]) -> list[str]:
    """Plain facts of an event other than field changes (an address, merged names…)."""
    details = [data[key] for key in DETAIL_KEYS if isinstance(data.get(key), str) and data[key]]
    merged = data.get("merged")
    if isinstance(merged, list):
        details.extend(str(item.get("name", "")) for item in merged if isinstance(item, dict))
    return details
