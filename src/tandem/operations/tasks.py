"""Periodic work of the operations app, declared with ``@jobs.scheduled`` (Celery beat)."""

from __future__ import annotations

import socket
from datetime import timedelta

from tandem.core.jobs import services as jobs
from tandem.operations import services

HEARTBEAT_EVERY = timedelta(seconds=30)


@jobs.scheduled("ops.worker_heartbeat", every=HEARTBEAT_EVERY)
def worker_heartbeat() -> str:
    """Record that the worker and the scheduler are alive (``/health/`` reads it)."""
    services.record_heartbeat(hostname=socket.gethostname())
    return ""
