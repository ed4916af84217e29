"""Writes of the operations app: the worker heartbeat."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tandem.operations.models import Heartbeat


def record_heartbeat(name: str = Heartbeat.WORKER, *, hostname: str = "") -> Heartbeat:
    """Store "``name`` is alive now". No event: this is a sign of life, not a business change."""
    with transaction.atomic():
        heartbeat, _created = Heartbeat.objects.update_or_create(
            name=name, defaults={"beat_at": timezone.now(), "hostname": hostname[:255]}
        )
    return heartbeat
