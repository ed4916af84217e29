"""E-mails and calls captured on the customer card, and the company's phone-system secret."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned
from tandem.core.models import User
from tandem.core.querysets import CompanyQuerySet
from tandem.crm.models import Activity, _sees_all
from tandem.crm.models.leads import Lead
from tandem.partners.models import Partner


def safe_recording_url(value: str) -> str:
    """``value`` when it is an https address with a host and no credentials, else "".

    A recording is kept as data: Tandem never fetches it (no request to an address an outside
    system chose), and shows it only as a link the reader's browser may follow."""
    from urllib.parse import urlsplit

    text = (value or "").strip()
    if not text or len(text) > 500 or any(ord(c) < 33 or ord(c) == 127 for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() != "https" or not parts.hostname or parts.username or parts.password:
        return ""
    return text


class CommunicationQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        """What the user may see of the activity it was logged as; a message no partner matched
        (its lead not yet opened) only to those who see every deal."""
        rows = super().visible_to(user)
        if not getattr(user, "is_authenticated", False) or _sees_all(user):
            return rows
        activities = Activity.objects.visible_to(user).filter(pk=OuterRef("activity_id"))
        return rows.filter(Exists(activities))


class Communication(CompanyOwned):
    """One e-mail or call, as it was captured: who, to whom, when, and the activity it was
    logged as on the partner's timeline. ``external_id`` (the Message-ID, the provider's call
    id) makes each capture happen once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        CALL = "call", _("Call")

    class Direction(models.TextChoices):
        INBOUND = "in", _("Incoming")
        OUTBOUND = "out", _("Outgoing")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        SENT = "sent", _("Sent")
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        MISSED = "missed", _("Missed")
        ENDED = "ended", _("Ended")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    external_id = models.CharField(_("message or call ID"), max_length=255)
    partner = models.ForeignKey(
        Partner, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    lead = models.ForeignKey(
        Lead, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead")
    )
    activity = models.OneToOneField(
        Activity, models.SET_NULL, null=True, blank=True, related_name="communication",
        verbose_name=_("activity"),
    )  # fmt: skip
    sender = models.CharField(_("from"), max_length=254, blank=True)
    recipients = models.JSONField(_("to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    recording_url = models.CharField(_("recording"), max_length=500, blank=True)
    attachments_refused = models.JSONField(_("attachments refused"), default=list, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CommunicationQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        indexes = [
            models.Index(fields=["company", "-occurred_at", "-id"], name="communication_when_idx"),
            models.Index(fields=["partner", "-occurred_at", "-id"], name="communication_partner_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "channel", "external_id"], name="crm_communication_once"
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.sender or self.external_id

    def get_absolute_url(self) -> str:
        if self.activity_id is not None:
            from django.urls import reverse

            return reverse("crm:activity_detail", args=[self.activity_id])
        return ""

    @property
    def recording_link(self) -> str:
        """The recording's address when it is an https link, else nothing (never fetched)."""
        return safe_recording_url(self.recording_url)


class CallSettings(CompanyOwned):
    """A company's phone system: the secret its call events are signed with (HMAC-SHA256)."""

    secret = models.CharField(_("signing secret"), max_length=128)
    rotated_at = models.DateTimeField(_("secret made"), auto_now=True)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("made by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("phone system settings")
        verbose_name_plural = _("phone system settings")
        constraints = [models.UniqueConstraint(fields=["company"], name="crm_callsettings_one_per_company")]

    def __str__(self) -> str:
        return str(_("Phone system"))
