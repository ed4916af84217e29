"""Background jobs (long work with progress) and the log of scheduled runs."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.messages import render
from tandem.core.models import Company
from tandem.core.querysets import allowed_company
from tandem.core.states import Transition

SEE_ALL_JOBS = "jobs.view_all_jobs"


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: Any) -> Self:
        """A person sees the jobs they started; administrators see every job of the company."""
        company = allowed_company(user)
        if company is None:
            return self.none()
        rows = self.filter(company=company)
        if user.has_perm(SEE_ALL_JOBS):
            return rows
        return rows.filter(user=user)

    def unfinished(self) -> Self:
        return self.filter(state__in=Job.ACTIVE_STATES)


class Job(models.Model):
    """One piece of long work: who started it, what, how far it got, and how it ended."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    TRANSITIONS = {
        "started": Transition({State.QUEUED}, State.RUNNING, at="started_at"),
        "succeeded": Transition({State.RUNNING}, State.SUCCEEDED, at="finished_at"),
        "failed": Transition({State.RUNNING}, State.FAILED, at="finished_at"),
        "cancelled": Transition({State.QUEUED, State.RUNNING}, State.CANCELLED, at="finished_at"),
    }

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    title = models.CharField(_("title"), max_length=200)  # a msgid (see core.messages), or old rendered text
    title_params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    company = models.ForeignKey(Company, models.CASCADE, related_name="+", verbose_name=_("company"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    done = models.PositiveBigIntegerField(_("done"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)  # as the title
    error_params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(_("sent to the worker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        permissions = [("view_all_jobs", _("Can see every job of the company"))]
        indexes = [
            models.Index(fields=["company", "user", "-created_at"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        return render(self.title, self.title_params)

    @property
    def display_error(self) -> str:
        return render(self.error, self.error_params)

    @property
    def message(self) -> str:
        """What the handler said about its result, in the reader's language."""
        return render(self.result.get("message", "")) if isinstance(self.result, dict) else ""

    @property
    def finished(self) -> bool:
        return self.state not in self.ACTIVE_STATES

    @property
    def percent(self) -> int | None:
        """Whole percent done, or None while the total is unknown."""
        if not self.total:
            return 100 if self.state == self.State.SUCCEEDED else None
        return max(0, min(100, int(self.done * 100 // self.total)))

    @property
    def link(self) -> str:
        return str((self.result or {}).get("link", "")) if isinstance(self.result, dict) else ""

    @property
    def link_label(self) -> str:
        return render(self.result.get("link_label", "")) if isinstance(self.result, dict) else ""


class ScheduledRun(models.Model):
    """One run of a job declared with ``@jobs.scheduled``: when, how it ended, what it said."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("name"), max_length=100)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    message = models.TextField(_("message"), blank=True)  # a msgid (see core.messages), or plain text
    message_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def display_message(self) -> str:
        """What the run said, in the reader's language."""
        return render(self.message, self.message_params)
