"""In-app notifications, what each user wants to receive, and the outgoing e-mail queue."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, User
from tandem.core.querysets import allowed_company
from tandem.core.states import Transition

ALL_KINDS = "*"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User | Any) -> Self:
        """A person sees only the notifications addressed to them."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> Self:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    company = models.ForeignKey(Company, models.CASCADE, null=True, blank=True, verbose_name=_("company"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Whether ``user`` receives notifications of ``kind`` (``"*"``: every kind) in the app and by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=64, default=ALL_KINDS)
    in_app = models.BooleanField(_("in the application"), default=True)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class OutgoingEmailQuerySet(models.QuerySet["OutgoingEmail"]):
    def visible_to(self, user: User | Any) -> Self:
        company = allowed_company(user)
        if company is None:
            return self.none()
        return self.filter(company=company)


class OutgoingEmail(models.Model):
    """One message to send; kept after sending (or failing) as the record of what went out."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    EVENT_PREFIX = "email"
    TRANSITIONS = {
        "sent": Transition({State.QUEUED}, State.SENT, at="sent_at"),
        "failed": Transition({State.QUEUED}, State.FAILED),
        "requeued": Transition({State.FAILED}, State.QUEUED),
    }

    company = models.ForeignKey(Company, models.CASCADE, null=True, blank=True, verbose_name=_("company"))
    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    # The partner the message is about, for its timeline: an id as in the event log, so that
    # core names no model of the layers above it.
    partner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("message ID"), max_length=255, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["state", "created_at"], name="outgoing_email_state_idx")]

    def __str__(self) -> str:
        return self.subject


class OutgoingEmailAttachment(models.Model):
    """A file sent with an e-mail, kept in the database so it commits with the message."""

    email = models.ForeignKey(OutgoingEmail, models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=127)
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.name
