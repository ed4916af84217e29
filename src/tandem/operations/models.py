"""Signs of life of the background machinery, read by ``/health/`` and ``/metrics/``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a named component (the worker with its scheduler) said it was alive.

    A platform row, not business data: it has no company, and writing it records no event
    (one every 30 seconds would drown the event log).
    """

    WORKER = "worker"

    name = models.CharField(_("name"), max_length=64, primary_key=True)
    beat_at = models.DateTimeField(_("last beat"))
    hostname = models.CharField(_("host"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
