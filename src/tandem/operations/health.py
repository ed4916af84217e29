"""What ``/health/`` checks: the database, the cache, the broker and the worker's heartbeat.

Each check returns a small dict with ``status`` ``ok``, ``fail`` or ``skipped`` and, on
failure, a ``reason`` that is a fixed word or an exception's class name — never its message,
which could carry a host name with credentials. The full error goes to the log.

The overall status is ``fail`` when the database fails (the site cannot work: HTTP 503),
``degraded`` when anything else fails (pages work, background work or caching does not:
HTTP 200, so a load balancer keeps the instance), else ``ok``.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.utils import timezone

from tandem.operations.models import Heartbeat

logger = logging.getLogger(__name__)

OK, FAIL, SKIPPED, DEGRADED = "ok", "fail", "skipped", "degraded"
BROKER_TIMEOUT = 2.0  # seconds
DEFAULT_STALE_AFTER = 120  # seconds without a worker heartbeat before it counts as stale

Check = dict[str, Any]


def _failed(name: str, error: BaseException) -> Check:
    logger.warning("health check %s failed: %s", name, error, exc_info=error)
    return {"status": FAIL, "reason": type(error).__name__}


def check_database() -> Check:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return _failed("database", error)
    return {"status": OK}


def check_cache() -> Check:
    """A set/get/delete round-trip through the default cache."""
    key = f"ops:health:{uuid.uuid4().hex}"
    try:
        cache = caches["default"]
        cache.set(key, "1", timeout=30)
        found = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return _failed("cache", error)
    if found != "1":
        return {"status": FAIL, "reason": "round-trip"}
    return {"status": OK}


def check_broker() -> Check:
    """Connect to Celery's broker with a short timeout (skipped when tasks run eagerly)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": SKIPPED, "reason": "eager"}
    url = str(settings.CELERY_BROKER_URL)
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {})
    if url.startswith("filesystem://"):
        return _check_queue_folders(options)
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT, transport_options=options) as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
    except Exception as error:
        return _failed("broker", error)
    return {"status": OK}


def _check_queue_folders(options: dict[str, Any]) -> Check:
    """The embedded ``filesystem://`` broker is its queue folders: they must be writable."""
    folders = {options.get("data_folder_in"), options.get("data_folder_out")} - {None}
    for folder in folders:
        if not os.path.isdir(str(folder)) or not os.access(str(folder), os.W_OK | os.X_OK):
            return {"status": FAIL, "reason": "queue-folder"}
    return {"status": OK}


def heartbeat_age(name: str = Heartbeat.WORKER) -> float | None:
    """Seconds since ``name``'s last heartbeat, or None if it never beat."""
    beat_at = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    if beat_at is None:
        return None
    return max(0.0, (timezone.now() - beat_at).total_seconds())


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "TANDEM_HEARTBEAT_STALE_AFTER", DEFAULT_STALE_AFTER))


def check_worker() -> Check:
    """The worker's heartbeat (a scheduled job every 30 s) is recent."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": SKIPPED, "reason": "eager"}
    try:
        age = heartbeat_age()
    except Exception as error:
        return _failed("worker", error)
    if age is None:
        return {"status": FAIL, "reason": "no-heartbeat"}
    result: Check = {"status": OK, "age_seconds": round(age)}
    if age > stale_after().total_seconds():
        result.update(status=FAIL, reason="stale")
    return result


def run_checks() -> dict[str, Any]:
    """``{"status": ok|degraded|fail, "checks": {database, cache, broker, worker}}``."""
    database = check_database()
    checks = {
        "database": database,
        "cache": check_cache(),
        "broker": check_broker(),
        # Without a database there is no heartbeat to read.
        "worker": check_worker() if database["status"] == OK else {"status": SKIPPED, "reason": "database"},
    }
    if database["status"] != OK:
        status = FAIL
    elif any(check["status"] == FAIL for check in checks.values()):
        status = DEGRADED
    else:
        status = OK
    return {"status": status, "checks": checks}
