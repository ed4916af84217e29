"""Notify people and send e-mail: the one call every domain makes.

``notify(...)`` writes in-app notifications and queues an e-mail per the recipient's
preferences; ``send_email(...)`` queues one message. Messages leave after the caller's
transaction commits, through the Celery task :func:`tandem.core.notifications.tasks.deliver_email`,
which retries SMTP failures with backoff; :func:`deliver` records each attempt's outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from email.utils import getaddresses, make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tandem.core import states
from tandem.core.errors import Conflict, IllegalTransition, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import Company, User
from tandem.core.notifications.models import (
    ALL_KINDS,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    OutgoingEmailAttachment,
)

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 50
KIND_LABELS: dict[str, Any] = {}


def register_kind(kind: str, label: Any) -> None:
    """Name a kind of notification so people can switch it on and off in their preferences."""
    KIND_LABELS[kind] = label


# --- preferences -------------------------------------------------------------------------


def preferences(user: User, kinds: Iterable[str]) -> dict[str, tuple[bool, bool]]:
    """``{kind: (in_app, email)}``: the kind's own row, else the ``"*"`` row, else both on."""
    wanted = set(kinds)
    rows = {
        row.kind: (row.in_app, row.email)
        for row in NotificationPreference.objects.filter(user=user, kind__in=[*wanted, ALL_KINDS])
    }
    fallback = rows.get(ALL_KINDS, (True, True))
    return {kind: rows.get(kind, fallback) for kind in wanted}


@transaction.atomic
def set_preference(user: User, kind: str, *, in_app: bool, email: bool) -> NotificationPreference:
    kind = (kind or ALL_KINDS).strip()[:64]
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"in_app": in_app, "email": email}
    )
    return preference


# --- in-app notifications ----------------------------------------------------------------


@transaction.atomic
def notify(
    recipients: User | Iterable[User],
    *,
    kind: str,
    title: str | Message,
    body: str | Message = "",
    link: str = "",
    company: Company | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Tell ``recipients`` about something: in the app and/or by e-mail, as each prefers.

    Returns the in-app notifications written. E-mails are queued and leave after commit.
    Inactive users and repeated recipients are skipped. A title or body given as a
    :class:`~tandem.core.messages.Message` is written in each recipient's language.
    """
    people = [recipients] if isinstance(recipients, User) else list(recipients)
    if not str(kind).strip() or not str(title).strip():
        raise ValidationFailed({"title": [_("A notification needs a kind and a title.")]})
    actor = actor if actor is not None and actor.is_authenticated else None
    unique = list({person.pk: person for person in people if person.is_active}.values())
    wanted = _preferences_of(unique, kind)
    written: list[Notification] = []
    for person in unique:
        in_app, by_email = wanted[person.pk]
        where = company or person.active_company
        with translation.override(person.language or settings.LANGUAGE_CODE):
            title_text, body_text = str(title)[:255], str(body)
        if in_app:
            written.append(
                Notification(
                    company=where,
                    recipient=person,
                    kind=kind,
                    title=title_text,
                    body=body_text,
                    link=link[:500],
                    actor=actor,
                )
            )
        if by_email and person.email:
            send_email(
                to=[person.email],
                subject=title_text,
                text=_notification_text(person, body_text, link),
                company=where,
                actor=actor,
            )
    return Notification.objects.bulk_create(written)


def _preferences_of(people: list[User], kind: str) -> dict[int, tuple[bool, bool]]:
    """``{user id: (in_app, email)}`` for ``kind``, in one query for every recipient."""
    rows: dict[tuple[int, str], tuple[bool, bool]] = {
        (row.user_id, row.kind): (row.in_app, row.email)
        for row in NotificationPreference.objects.filter(
            user__in=[person.pk for person in people], kind__in=[kind, ALL_KINDS]
        )
    }
    return {
        person.pk: rows.get((person.pk, kind), rows.get((person.pk, ALL_KINDS), (True, True)))
        for person in people
    }


def _notification_text(person: User, body: str, link: str) -> str:
    lines = [body] if body else []
    if link:
        url = link if link.startswith(("http://", "https://")) else settings.TANDEM_BASE_URL + link
        with translation.override(person.language or settings.LANGUAGE_CODE):
            lines.append(_("Open: %(url)s") % {"url": url})
    return "\n\n".join(lines) or "-"


def unread_count(user: User) -> int:
    return Notification.objects.visible_to(user).unread().count()


@transaction.atomic
def mark_read(notification: Notification, user: User) -> Notification:
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def mark_all_read(user: User) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


# --- e-mail --------------------------------------------------------------------------------


@transaction.atomic
def send_email(
    *,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    company: Company | None,
    partner: models.Model | None = None,
    actor: User | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> OutgoingEmail:
    """Queue one message; a worker sends it after commit and retries on failure."""
    addresses = _valid_addresses(to)
    subject = " ".join(str(subject).split())  # no line breaks: they would inject headers
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("The e-mail needs a subject.")]
    elif len(subject) > 255:
        errors["subject"] = [_("The subject is longer than 255 characters.")]
    if not str(text).strip():
        errors["text"] = [_("The e-mail has no text.")]
    total = sum(len(content) for _name, content, _mime in attachments)
    if total > settings.TANDEM_ATTACHMENT_MAX_BYTES:
        errors["attachments"] = [_("The attached files are too large to send.")]
    if errors:
        raise ValidationFailed(errors)
    from_email = settings.DEFAULT_FROM_EMAIL
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "localhost"
    email = OutgoingEmail.objects.create(
        company=company,
        to=addresses,
        subject=subject,
        text=text,
        html=html or "",
        from_email=from_email,
        partner_id=partner.pk if partner is not None else None,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        message_id=make_msgid(domain=domain),
    )
    OutgoingEmailAttachment.objects.bulk_create(
        OutgoingEmailAttachment(email=email, name=name[:255], mime_type=mime[:127], content=content)
        for name, content, mime in attachments
    )
    transaction.on_commit(lambda: enqueue(email.pk))
    return email


def _valid_addresses(to: Sequence[str]) -> list[str]:
    if isinstance(to, str):
        to = [to]
    items = [str(item) for item in to]
    for item in items:
        if "\r" in item or "\n" in item:
            raise ValidationFailed(
                {"to": [_("“%(address)s” is not a valid e-mail address.") % {"address": item}]}
            )
    addresses = []
    for name, address in getaddresses(items):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationFailed(
                {"to": [_("“%(address)s” is not a valid e-mail address.") % {"address": address or name}]}
            ) from None
        addresses.append(address)
    if not addresses:
        raise ValidationFailed({"to": [_("The e-mail has no recipient.")]})
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationFailed(
            {"to": [_("An e-mail may have at most %(n)d recipients.") % {"n": MAX_RECIPIENTS}]}
        )
    return addresses


def enqueue(email_id: int) -> None:
    """Hand the message to the worker. If the broker is down it stays queued for :func:`requeue_stale`."""
    from tandem.core.notifications.tasks import deliver_email

    try:
        deliver_email.delay(email_id)
    except Exception:  # the broker being unreachable must not fail the request that committed
        log.exception("could not enqueue e-mail %s; it stays queued", email_id)


def requeue_stale(older_than_minutes: int = 15) -> int:
    """Enqueue again queued messages no worker has picked up (e.g. the broker was down)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        OutgoingEmail.objects.filter(
            state=OutgoingEmail.State.QUEUED, attempts=0, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    for email_id in ids:
        enqueue(email_id)
    return len(ids)


@transaction.atomic
def resend(email: OutgoingEmail, actor: User | None = None) -> OutgoingEmail:
    """Queue a failed message again (after fixing the SMTP settings, say)."""
    try:
        states.transition(email, "requeued", actor, fields={"attempts": 0}, data={"subject": email.subject})
    except IllegalTransition:  # sent (would go twice) or still being tried
        raise Conflict(_("Only an e-mail that failed can be sent again.")) from None
    transaction.on_commit(lambda: enqueue(email.pk))
    return email


def build_message(email: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(email.to),
        headers={"Message-ID": email.message_id} if email.message_id else None,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for item in email.attachments.all():
        message.attach(item.name, bytes(item.content), item.mime_type)
    return message


def deliver(email_id: int, *, final_attempt: bool) -> bool:
    """Send one queued message and record the outcome; re-raise the error for a retry.

    Safe to call again: a message already sent is not sent twice.
    """
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.state != OutgoingEmail.State.QUEUED:
            return False
        message = build_message(email)
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        _record_failure(email, exc, final=final_attempt)
        raise
    _record_success(email)
    return True


def _record_success(email: OutgoingEmail) -> None:
    states.transition(
        email,
        "sent",
        email.created_by,
        fields={"attempts": F("attempts") + 1, "last_error": ""},
        data={
            "to": email.to,
            "subject": email.subject,
            "text": email.text,
            "message_id": email.message_id,
            "attachments": list(email.attachments.values_list("name", flat=True)),
        },
    )


def _record_failure(email: OutgoingEmail, exc: Exception, *, final: bool) -> None:
    """Count the attempt; the last one fails the message (earlier ones leave it queued)."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    fields = {"attempts": F("attempts") + 1, "last_error": error}
    if not final:
        OutgoingEmail.objects.filter(pk=email.pk).update(**fields)
        email.refresh_from_db(fields=["attempts", "last_error"])
        return
    states.transition(
        email, "failed", email.created_by, fields=fields,
        data={"to": email.to, "subject": email.subject, "error": error},
    )  # fmt: skip
