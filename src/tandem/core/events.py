"""The event log: audit trail, customer timeline, webhook outbox and reaction hook.

``record()`` appends an :class:`~tandem.core.models.Event` in the caller's transaction.
Handlers registered with :func:`on` run either inside that transaction (their effect is
atomic with the change) or after it commits (outside effects: e-mail, webhooks).

Every event is declared first, in the ``events.py`` of the app that records it
(:func:`declare`): its name, a label a person reads (lazily translated, so the timeline
shows it in the reader's language), its payload fields, and whether webhooks may publish
it. ``record()`` refuses an undeclared name or a payload field the declaration does not
name, so :func:`catalogue` — which the webhook settings and the API document — is complete.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, Event, User

Handler = Callable[[Event], None]


@dataclass(frozen=True)
class EventType:
    """A declared event. ``payload`` maps each field of ``Event.data`` to what it holds;
    ``open_payload`` allows fields beyond those (a payload that varies by kind, such as an
    import's counts, which are listed by the import itself); ``webhook`` lets webhook
    subscriptions receive it."""

    name: str
    label: str | Promise
    payload: Mapping[str, str] = field(default_factory=dict)
    webhook: bool = False
    open_payload: bool = False


class UndeclaredEvent(LookupError):
    """A programming error: an event recorded without a declaration in its app's events.py."""


_types: dict[str, EventType] = {}


def declare(*types: EventType) -> None:
    """Declare an app's events (from its ``events.py``); a name is declared once."""
    for event_type in types:
        known = _types.get(event_type.name)
        if known is not None and known != event_type:
            raise ImproperlyConfigured(f"The event {event_type.name!r} is declared twice, differently.")
        _types[event_type.name] = event_type


def undeclare(name: str) -> None:
    """Forget a declaration (tests that declare a throw-away event)."""
    _types.pop(name, None)


def declared(name: str) -> EventType | None:
    return _types.get(name)


def catalogue(*, webhook: bool | None = None) -> list[EventType]:
    """Every declared event by name; ``webhook=True`` only those webhooks may publish."""
    return sorted(
        (t for t in _types.values() if webhook is None or t.webhook == webhook), key=lambda t: t.name
    )


def publishable(name: str) -> bool:
    event_type = _types.get(name)
    return event_type is not None and event_type.webhook


def _check_declared(name: str, data: Mapping[str, Any]) -> None:
    event_type = _types.get(name)
    if event_type is None:
        raise UndeclaredEvent(
            f"The event {name!r} is not declared: add an EventType for it to the events.py "
            "of the app that records it."
        )
    unknown = sorted(set(data) - set(event_type.payload))
    if unknown and not event_type.open_payload:
        raise UndeclaredEvent(
            f"The event {name!r} carries payload fields its declaration does not name: {', '.join(unknown)}."
        )


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


def handlers_within(name: str) -> list[Handler]:
    """The handlers :func:`record` runs for an event called ``name`` inside the recording
    transaction (those registered ``after_commit`` run later): what may still write there."""
    registrations = [*_handlers.get(name, []), *_handlers.get("*", [])]
    return [r.handler for r in registrations if not r.after_commit]


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
    _check_declared(name, data or {})
    event = Event.objects.create(
        name=name,
        company_id=company.pk if company is not None else _company_id_of(subject),
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


def _company_id_of(subject: models.Model | None) -> int | None:
    """The subject's company: read from its key when it has one to Company (no query for the
    row), else from a ``company`` attribute that is one."""
    if subject is None:
        return None
    try:
        field = subject._meta.get_field("company")
    except FieldDoesNotExist:
        field = None
    if isinstance(field, models.ForeignKey) and field.related_model is Company:
        return getattr(subject, field.attname)  # type: ignore[no-any-return]
    company = getattr(subject, "company", None)
    return company.pk if isinstance(company, Company) else None


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


# --- the events core itself records ------------------------------------------------------
# Payload descriptions are for integrators (like the OpenAPI schema, in English); labels
# are read by people on timelines, in their language.

CHANGES = "the fields that changed, each as [old, new]"
COMPANY_CODE = "the company's code"

declare(
    EventType(
        "company.created",
        _("Created"),
        {"name": "the company's name", "currency": "its currency code"},
    ),
    EventType("user.company_switched", _("Switched company"), {"company": COMPANY_CODE}),
    EventType("user.company_granted", _("Given access to a company"), {"company": COMPANY_CODE}),
    EventType("api_token.issued", _("Issued"), {"name": "the token's name", "user": "the user it acts as"}),
    EventType("api_token.revoked", _("Revoked"), {"name": "the token's name"}),
    EventType(
        "demo.loaded",
        _("Demo company loaded"),
        {"size": "small, medium or large", "partners": "partners written", "products": "products written"},
        open_payload=True,  # every app's demo part adds its counts
    ),
)
