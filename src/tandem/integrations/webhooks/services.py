"""Webhooks: subscriptions, the outbox over the event log, signed delivery with retries.

The outbox is the event log itself. ``dispatch()`` scans events after a stored high-water
mark and writes one :class:`WebhookDelivery` per matching subscription, in one transaction
with the mark; a process dying at any point loses nothing (the next scan starts from the
last committed mark, and a unique constraint makes a re-scan harmless). The mark trails
the newest events by ``GRACE`` so an event whose transaction commits late (ids are handed
out before commit) is still seen. After every commit a nudge asks the worker to dispatch
at once; a periodic schedule catches anything the nudge missed.

Each delivery is POSTed as ``{type, timestamp, data}`` signed per the Standard Webhooks
specification (https://www.standardwebhooks.com/): headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}" keyed with the base64-decoded secret after "whsec_">``.
A failure is retried with jittered exponential backoff; after ``TANDEM_WEBHOOK_DISABLE_AFTER``
consecutive failures the subscription is disabled and the company's administrators notified.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import logging
import random
import re
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import events, roles, states
from tandem.core.errors import BusinessError, Conflict, ValidationFailed
from tandem.core.messages import Message, as_fields
from tandem.core.models import Company, Event, User
from tandem.integrations.webhooks import egress
from tandem.integrations.webhooks.models import (
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
GRACE = timedelta(minutes=5)  # the mark trails the newest events by this much
BATCH = 1000  # events read per query
MAX_BATCHES = 20  # per dispatch run; the rest waits for the next one
LEASE = timedelta(minutes=5)  # a claimed delivery is not picked again for this long
RESPONSE_EXCERPT = 200  # characters of the receiver's answer kept (shown to superusers only)
ERROR_LENGTH = 300
RETRY_DELAYS = [  # after attempt 1, 2, …; then the delivery is given up
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=12),
    timedelta(hours=24),
]
JITTER = 0.2  # ± this share of each delay
EVENT_PATTERN = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$")
TEST_EVENT = "webhook.test"


class WebhookError(BusinessError):
    code = "webhook"


# --- signing -----------------------------------------------------------------------------


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value (one ``v1`` signature)."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (used by the tests and documented for integrators)."""
    message_id, timestamp = headers["webhook-id"], int(headers["webhook-timestamp"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, message_id, timestamp, body).split(",", 1)[1]
    return any(
        version == "v1" and hmac.compare_digest(value, expected)
        for version, _sep, value in (part.partition(",") for part in headers["webhook-signature"].split())
    )


# --- subscriptions -----------------------------------------------------------------------


def _clean(url: str, event_names: Iterable[str]) -> tuple[str, list[str]]:
    errors: dict[str, list[str]] = {}
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = [_("Enter an http:// or https:// address.")]
    else:
        try:
            egress.check_url(url)
        except egress.EgressRefused as refused:
            errors["url"] = [str(refused)]
    names = sorted({name.strip() for name in event_names if name and name.strip()})
    if not names:
        errors["events"] = [_("Choose at least one event, or * for all.")]
    elif bad := [name for name in names if not EVENT_PATTERN.match(name)]:
        errors["events"] = [_("Not an event name: %(names)s.") % {"names": ", ".join(bad)}]
    elif unpublished := [name for name in names if not _matches_published(name)]:
        errors["events"] = [
            _("Webhooks do not publish these events: %(names)s.") % {"names": ", ".join(unpublished)}
        ]
    if errors:
        raise ValidationFailed(errors)
    return url, names


def _matches_published(pattern: str) -> bool:
    """A subscribed name or pattern that at least one event webhooks publish answers to."""
    probe = WebhookSubscription(events=[pattern])
    return any(probe.wants(event_type.name) for event_type in events.catalogue(webhook=True))


@transaction.atomic
def create_subscription(
    company: Company, actor: User | None, *, url: str, events_: Iterable[str], description: str = ""
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to events; returns the subscription and its secret (shown once)."""
    url, names = _clean(url, events_)
    secret = generate_secret()
    subscription = WebhookSubscription.objects.create(
        company=company,
        url=url,
        description=description.strip()[:200],
        events=names,
        secret=secret,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        since_event_id=Event.objects.aggregate(last=Max("id"))["last"] or 0,
    )
    events.record("webhook.created", subscription, actor, {"url": url, "events": names}, company=company)
    return subscription, secret


@transaction.atomic
def update_subscription(
    subscription: WebhookSubscription,
    actor: User | None,
    *,
    url: str,
    events_: Iterable[str],
    description: str = "",
    active: bool = True,
) -> WebhookSubscription:
    url, names = _clean(url, events_)
    before = events.snapshot(subscription, ["url", "events", "description", "active"])
    subscription.url, subscription.events = url, names
    subscription.description, subscription.active = description.strip()[:200], active
    subscription.save(update_fields=["url", "events", "description", "active"])
    after = events.snapshot(subscription, ["url", "events", "description", "active"])
    if changed := events.changes(before, after):
        events.record("webhook.changed", subscription, actor, changed, company=subscription.company)
    return subscription


@transaction.atomic
def rotate_secret(subscription: WebhookSubscription, actor: User | None) -> str:
    subscription.secret = generate_secret()
    subscription.save(update_fields=["secret"])
    events.record("webhook.secret_rotated", subscription, actor, company=subscription.company)
    return subscription.secret


@transaction.atomic
def reenable(subscription: WebhookSubscription, actor: User | None) -> WebhookSubscription:
    """Turn a subscription back on; its waiting deliveries are sent at once."""
    if subscription.sending:
        raise Conflict(_("This webhook is already sending."))
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        active=True, disabled_at=None, disabled_reason="", disabled_reason_params={}, failure_count=0
    )
    WebhookDelivery.objects.filter(subscription=subscription, state=WebhookDelivery.State.PENDING).update(
        next_attempt_at=now
    )
    subscription.refresh_from_db()
    events.record("webhook.reenabled", subscription, actor, company=subscription.company)
    transaction.on_commit(nudge)
    return subscription


@transaction.atomic
def delete_subscription(subscription: WebhookSubscription, actor: User | None) -> None:
    events.record(
        "webhook.deleted", subscription, actor, {"url": subscription.url}, company=subscription.company
    )
    subscription.delete()


@transaction.atomic
def send_test_event(subscription: WebhookSubscription, actor: User | None) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to this subscription (sent even if it is disabled)."""
    now = timezone.now()
    data = {
        "message": "This is a test event from Tandem.",
        "webhook": subscription.pk,
        "company": subscription.company.code,
        "by": actor.username if actor is not None else None,
    }
    delivery = WebhookDelivery.objects.create(
        company=subscription.company,
        subscription=subscription,
        event=None,
        event_type=TEST_EVENT,
        message_id=_message_id(),
        body=_body(TEST_EVENT, now, data),
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: _enqueue_delivery(delivery.pk))
    return delivery


# --- the outbox ---------------------------------------------------------------------------


def _message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def _body(event_type: str, when: datetime, data: dict[str, Any]) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": when.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def event_data(event: Event, company: Company) -> dict[str, Any]:
    return {
        "id": event.pk,
        "name": event.name,
        "company": company.code,
        "subject": {
            "type": ".".join(event.subject_type.natural_key()) if event.subject_type is not None else None,
            "id": event.subject_id or None,
            "name": event.subject_repr or None,
        },
        "partner_id": event.partner_id,
        "actor": event.actor.username if event.actor_id and event.actor else None,
        "data": event.data,
    }


def dispatch() -> int:
    """Turn new events into deliveries; returns how many deliveries were created."""
    created = 0
    now = timezone.now()
    with transaction.atomic():
        cursor, _created = WebhookCursor.objects.get_or_create(pk=1)
        mark = cursor.last_event_id
        subscriptions = list(WebhookSubscription.objects.filter(active=True).select_related("company"))
        by_company: dict[int, list[WebhookSubscription]] = {}
        for subscription in subscriptions:
            by_company.setdefault(subscription.company_id, []).append(subscription)
        last_seen = mark
        exhausted = False
        for _batch in range(MAX_BATCHES):
            batch = list(
                Event.objects.filter(id__gt=last_seen, company_id__in=list(by_company))
                .select_related("subject_type", "actor")
                .order_by("id")[:BATCH]
            )
            if not batch:
                exhausted = True
                break
            rows = [
                WebhookDelivery(
                    company_id=subscription.company_id,
                    subscription=subscription,
                    event=event,
                    event_type=event.name,
                    message_id=_message_id(),
                    body=_body(event.name, event.created_at, event_data(event, subscription.company)),
                    next_attempt_at=now,
                )
                for event in batch
                for subscription in by_company.get(event.company_id or 0, [])
                if event.pk > subscription.since_event_id
                and events.publishable(event.name)
                and subscription.wants(event.name)
            ]
            if rows:
                created += _insert_new(rows)
            last_seen = batch[-1].pk
        # Advance the mark over everything old enough to be surely committed, but never past
        # what this run has read (events of companies without subscriptions need no reading).
        settled = Event.objects.filter(id__gt=mark, created_at__lt=now - GRACE).aggregate(last=Max("id"))[
            "last"
        ]
        new_mark = settled or mark
        if not exhausted:
            new_mark = min(new_mark, last_seen)
        if new_mark > mark:
            WebhookCursor.objects.filter(pk=1).update(last_event_id=new_mark, updated_at=now)
    return created


def _insert_new(rows: list[WebhookDelivery]) -> int:
    """Insert deliveries not made before (a re-scan of the grace window finds them again)."""
    existing = set(
        WebhookDelivery.objects.filter(
            event_id__in={row.event_id for row in rows},
            subscription_id__in={row.subscription_id for row in rows},
        ).values_list("subscription_id", "event_id")
    )
    fresh = [row for row in rows if (row.subscription_id, row.event_id) not in existing]
    WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def deliver_due(limit: int = 200) -> int:
    """Send deliveries whose time has come; returns how many were attempted."""
    now = timezone.now()
    due = (
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(subscription__active=True, subscription__disabled_at__isnull=True) | Q(event__isnull=True))
        .order_by("next_attempt_at", "id")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    attempted = 0
    for pk, next_attempt_at in list(due):
        if not _claim(pk, next_attempt_at):
            continue
        try:
            deliver(pk)
        except WebhookDelivery.DoesNotExist:  # its webhook was deleted meanwhile
            continue
        except Exception:  # one broken delivery must not hold up the others; retried after the lease
            logger.exception("webhook delivery %s could not be attempted", pk)
            continue
        attempted += 1
    return attempted


def _claim(pk: int, next_attempt_at: datetime | None) -> bool:
    """Take a delivery for one attempt; another worker holding it is left alone."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=pk, state=WebhookDelivery.State.PENDING, next_attempt_at=next_attempt_at
        ).update(next_attempt_at=timezone.now() + LEASE)
    )


def deliver(pk: int) -> WebhookDelivery:
    """POST one delivery now and record the attempt (call after claiming it)."""
    delivery = WebhookDelivery.objects.select_related("subscription", "subscription__company").get(pk=pk)
    subscription = delivery.subscription
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Tandem-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(subscription.secret, delivery.message_id, timestamp, delivery.body),
    }
    status, excerpt, error, duration_ms = _post(subscription.url, delivery.body.encode(), headers)
    ok = status is not None and 200 <= status < 300
    now = timezone.now()
    with transaction.atomic():
        number = delivery.attempt + 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            at=now,
            status_code=status,
            duration_ms=duration_ms,
            response_excerpt=excerpt,
            error=error,
        )
        fields: dict[str, Any] = {
            "attempt": number,
            "status_code": status,
            "duration_ms": duration_ms,
            "response_excerpt": excerpt,
            "error": error,
        }
        if ok:
            states.transition(delivery, "delivered", fields={**fields, "next_attempt_at": None})
        elif number > len(RETRY_DELAYS):
            states.transition(delivery, "failed", fields={**fields, "next_attempt_at": None})
        else:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                **fields, next_attempt_at=now + _backoff(number)
            )
        if delivery.event_id is not None:  # a test message does not count towards disabling
            _count_outcome(subscription, ok, gone=status == 410)
    delivery.refresh_from_db()
    return delivery


def _backoff(attempt: int) -> timedelta:
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, int]:
    """``(status, response excerpt, error, milliseconds)``; redirects are not followed.

    The address is resolved and checked now, and the connection pinned to it (see ``egress``).
    """
    started = time.monotonic()
    status: int | None = None
    excerpt = error = ""
    try:
        answer = egress.post(
            url, body, headers, timeout=settings.TANDEM_WEBHOOK_TIMEOUT, read_limit=RESPONSE_EXCERPT * 4
        )
    except egress.EgressRefused as refused:
        error = str(refused)
    except (OSError, http.client.HTTPException, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    else:
        status = answer.status
        excerpt = answer.body.decode(errors="replace")[:RESPONSE_EXCERPT]
    duration_ms = int((time.monotonic() - started) * 1000)
    if status is not None and not 200 <= status < 300:
        error = _("The receiver answered %(status)s.") % {"status": status}
    return status, excerpt, error[:ERROR_LENGTH], duration_ms


def _count_outcome(subscription: WebhookSubscription, ok: bool, *, gone: bool) -> None:
    if ok:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failure_count=0)
        return
    WebhookSubscription.objects.filter(pk=subscription.pk).update(failure_count=F("failure_count") + 1)
    subscription.refresh_from_db(fields=["failure_count", "disabled_at"])
    if subscription.disabled_at is not None:
        return
    if gone:
        _disable(
            subscription,
            Message(gettext_noop("The receiver answered 410 Gone: it no longer wants these events.")),
        )
    elif subscription.failure_count >= settings.TANDEM_WEBHOOK_DISABLE_AFTER:
        _disable(
            subscription,
            Message(
                gettext_noop("%(count)s deliveries in a row failed."), {"count": subscription.failure_count}
            ),
        )


def _disable(subscription: WebhookSubscription, reason: Message) -> None:
    """Stop sending; the reason is kept as a message, read in each reader's language."""
    now = timezone.now()
    stored = as_fields("disabled_reason", reason, limit=300)
    if not WebhookSubscription.objects.filter(pk=subscription.pk, disabled_at__isnull=True).update(
        disabled_at=now, **stored
    ):
        return
    subscription.disabled_at = now
    subscription.disabled_reason, subscription.disabled_reason_params = stored.values()
    events.record(
        "webhook.disabled", subscription, None, {"reason": str(reason)}, company=subscription.company
    )
    notify_administrators(subscription, reason)


def administrators(company: Company) -> list[User]:
    return list(
        User.objects.filter(companies=company, is_active=True)
        .filter(Q(groups__in=Group.objects.filter(name=roles.ADMINISTRATOR)) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


def notify_administrators(subscription: WebhookSubscription, reason: Message) -> None:
    try:
        from tandem.core.notifications import services as notifications
    except ImportError:  # pragma: no cover - notifications not installed
        logger.warning("webhook %s disabled (%s); notifications are not available", subscription.pk, reason)
        return
    recipients = administrators(subscription.company)
    if not recipients:
        return
    notifications.notify(
        recipients,
        kind="webhooks.disabled",
        title=Message(gettext_noop("Webhook to %(url)s was disabled"), {"url": subscription.url}),
        body=Message(
            gettext_noop("%(reason)s Events keep being recorded; re-enable the webhook to send them."),
            {"reason": reason},
        ),
        link=reverse("webhooks:detail", args=[subscription.pk]),
        company=subscription.company,
    )


# --- worker plumbing ----------------------------------------------------------------------


def run_outbox() -> tuple[int, int]:
    """One pass: dispatch new events, then send what is due. ``(created, attempted)``."""
    created = dispatch()
    attempted = deliver_due()
    return created, attempted


_companies_cache: tuple[float, frozenset[int]] = (0.0, frozenset())
_COMPANIES_TTL = 10.0  # seconds
_last_nudge = 0.0
_NUDGE_EVERY = 1.0  # seconds: many events committed together need one nudge


def _companies_with_webhooks() -> frozenset[int]:
    global _companies_cache
    checked, companies = _companies_cache
    if time.monotonic() - checked > _COMPANIES_TTL:
        companies = frozenset(
            WebhookSubscription.objects.filter(active=True, disabled_at__isnull=True).values_list(
                "company_id", flat=True
            )
        )
        _companies_cache = (time.monotonic(), companies)
    return companies


def forget_cached_subscriptions() -> None:
    global _companies_cache
    _companies_cache = (0.0, frozenset())


def on_event_committed(event: Event) -> None:
    """After-commit hook on every event: ask the worker to dispatch now, if anyone listens."""
    global _last_nudge
    if event.company_id is None or event.company_id not in _companies_with_webhooks():
        return
    if time.monotonic() - _last_nudge < _NUDGE_EVERY:
        return  # a nudge was just sent; the periodic dispatch covers the rest
    _last_nudge = time.monotonic()
    nudge()


def nudge() -> None:
    from tandem.integrations.webhooks.tasks import run_outbox as task

    try:
        task.apply_async(**_route())
    except Exception:
        logger.warning("could not ask the worker to send webhooks; the periodic run will", exc_info=True)


def _enqueue_delivery(pk: int) -> None:
    from tandem.integrations.webhooks.tasks import deliver_one

    try:
        deliver_one.apply_async((pk,), **_route())
    except Exception:
        logger.warning("could not send webhook delivery %s to the worker; the periodic run will", pk)


def _route() -> dict[str, Any]:
    queue = getattr(settings, "TANDEM_JOBS_QUEUE", None)
    return {"queue": queue} if queue else {}
