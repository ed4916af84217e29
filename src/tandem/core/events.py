"""The event log: audit trail, customer timeline, webhook outbox and reaction hook.

``record()`` appends an :class:`~tandem.core.models.Event` in the caller's transaction.
Handlers registered with :func:`on` run either inside that transaction (their effect is
atomic with the change) or after it commits (outside effects: e-mail, webhooks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from tandem.core.models import Company, Event, User

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class _Registration:
    handler: Handler
    after_commit: bool


_handlers: dict[str, list[_Registration]] = defaultdict(list)


def on(name: str, *, after_commit: bool = False) -> Callable[[Handler], Handler]:
    """Register ``handler`` for events called ``name`` (``"*"`` for all)."""

    def register(handler: Handler) -> Handler:
        _handlers[name].append(_Registration(handler, after_commit))
        return handler

    return register


def record(
    name: str,
    subject: models.Model | None = None,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    *,
    company: Company | None = None,
    partner_id: int | None = None,
) -> Event:
    """Append one event and run its handlers. Call inside the service's transaction."""
    event = Event.objects.create(
        name=name,
        company=company or _company_of(subject),
        actor=actor if actor is not None and actor.is_authenticated else None,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        subject_repr=str(subject)[:255] if subject is not None else "",
        partner_id=partner_id if partner_id is not None else _partner_of(subject),
        data=data or {},
    )
    _dispatch(event)
    return event


def _dispatch(event: Event) -> None:
    for registration in [*_handlers.get(event.name, []), *_handlers.get("*", [])]:
        if registration.after_commit:
            transaction.on_commit(lambda r=registration: r.handler(event))  # type: ignore[misc]
        else:
            registration.handler(event)


def _company_of(subject: models.Model | None) -> Company | None:
    company = getattr(subject, "company", None)
    return company if isinstance(company, Company) else None


def _partner_of(subject: models.Model | None) -> int | None:
    """Events about a partner (a model that ``owns_timeline``), or about a document naming one
    (``partner_id``), join its timeline."""
    if subject is None:
        return None
    if getattr(subject, "owns_timeline", False):
        return int(subject.pk)
    partner_id = getattr(subject, "partner_id", None)
    return int(partner_id) if partner_id is not None else None


def for_subject(subject: models.Model) -> models.QuerySet[Event]:
    """The history of one record, newest first."""
    return Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).select_related("actor")


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values in a JSON-friendly form, to diff before and after an edit."""
    return {name: _plain(instance, name) for name in fields}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value differs."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def _plain(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    if field.many_to_many:
        return sorted(str(item) for item in getattr(instance, name).all()) if instance.pk else []
    if field.is_relation:
        related = getattr(instance, name)
        return str(related) if related is not None else None
    value = getattr(instance, name)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
