"""Webhook subscriptions, the deliveries made from the event log, and each HTTP attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned
from tandem.core.messages import render
from tandem.core.models import Company, Event
from tandem.core.states import Transition


class WebhookSubscription(CompanyOwned):
    """An HTTPS endpoint that receives the company's events, signed per Standard Webhooks."""

    company = models.ForeignKey(Company, models.CASCADE, related_name="+", verbose_name=_("company"))
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(
        _("events"), default=list, help_text=_("Event names; * for all, partner.* for a group.")
    )
    secret = models.CharField(_("signing secret"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0)
    disabled_at = models.DateTimeField(_("disabled after failures at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True)  # a msgid
    disabled_reason_params = models.JSONField(default=dict, blank=True)  # see core.messages.as_fields
    since_event_id = models.BigIntegerField(default=0, help_text="Events after this id are delivered.")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["url", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.description or self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:detail", args=[self.pk])

    @property
    def sending(self) -> bool:
        return self.active and self.disabled_at is None

    @property
    def disabled_reason_text(self) -> str:
        """Why it was disabled, in the reader's language."""
        return render(self.disabled_reason, self.disabled_reason_params)

    def wants(self, event_name: str) -> bool:
        for pattern in self.events or []:
            if pattern == "*" or pattern == event_name:
                return True
            if pattern.endswith(".*") and event_name.startswith(pattern[:-1]):
                return True
        return False


class WebhookDelivery(CompanyOwned):
    """One message to one subscription; retried until delivered or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    # A delivery is the outbox of the event log: recording its moves as events would deliver them again.
    TRANSITIONS = {
        "delivered": Transition({State.PENDING}, State.DELIVERED, at="delivered_at", record=False),
        "failed": Transition({State.PENDING}, State.FAILED, record=False),
    }

    company = models.ForeignKey(Company, models.CASCADE, related_name="+", verbose_name=_("company"))
    subscription = models.ForeignKey(
        WebhookSubscription, models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.ForeignKey(Event, models.CASCADE, null=True, blank=True, related_name="+")
    event_type = models.CharField(_("event"), max_length=64)
    message_id = models.CharField(_("message ID"), max_length=64, unique=True)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempt = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=models.Q(event__isnull=False),
                name="webhooks_one_delivery_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["subscription", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.message_id})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: status code, timing and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    response_excerpt = models.TextField(_("response"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error[:40]}"


class WebhookCursor(models.Model):
    """The outbox's high-water mark: events up to ``last_event_id`` have been turned into deliveries."""

    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"webhooks up to event {self.last_event_id}"
