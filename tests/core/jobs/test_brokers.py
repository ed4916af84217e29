"""A job runs on a real Celery worker over each broker: Redis, RabbitMQ and the embedded
``filesystem://`` transport. The worker is a subprocess sharing the test's SQLite file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tandem.celery import app
from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WAIT_LIMIT = 60.0  # seconds for the worker to start and finish the job
STOP_LIMIT = 20.0
BEAT_WAIT_LIMIT = 120.0  # the first beat run comes one interval (30 s) after the worker is up

BROKERS = {
    "redis": "redis://127.0.0.1:6379/15",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
    "filesystem": "filesystem://",
}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname:
        return True
    try:
        with socket.create_connection((parts.hostname, parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


def _transport_options(url: str, data_dir: Path) -> dict[str, Any]:
    if not url.startswith("filesystem"):
        return {}
    for folder in ("queue", "queue-processed", "queue-control"):
        (data_dir / folder).mkdir(exist_ok=True)
    return {
        "data_folder_in": str(data_dir / "queue"),
        "data_folder_out": str(data_dir / "queue"),
        "processed_folder": str(data_dir / "queue-processed"),
        "control_folder": str(data_dir / "queue-control"),
        "store_processed": False,
    }


def _reset_producers() -> None:
    """Celery caches its connection pool; drop it so the next send uses the current broker."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def _sending_to(url: str, options: dict[str, Any], settings: Any) -> Iterator[None]:
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    _reset_producers()
    try:
        yield
    finally:
        _reset_producers()


def _test_database_url() -> str:
    """The database this test writes to, for the worker process to share."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgresql://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@contextmanager
def _worker(url: str, queue: str | None, data_dir: Path, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "TANDEM_DATA_DIR": str(data_dir),
        "TANDEM_BROKER_URL": url,
        "DATABASE_URL": _test_database_url(),
        "TANDEM_TASKS_EAGER": "false",
    }
    argv = [
        sys.executable, "-m", "celery", "-A", "tandem.celery:app", "worker", "--pool", "solo",
        "-n", f"{queue or 'beat'}-{uuid.uuid4().hex[:6]}@%h", "-l", "warning",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        *(["-Q", queue] if queue else []), *extra,
    ]  # fmt: skip
    log = (data_dir / "worker.log").open("wb")
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_LIMIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def _delete_queue(queue: str) -> None:
    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # the transport may not keep queues (filesystem) or already dropped it
        pass


@pytest.mark.parametrize("broker", list(BROKERS))
def test_a_job_runs_on_a_real_worker(broker, salesperson, settings, tmp_path):
    url = BROKERS[broker]
    if not _reachable(url):
        pytest.skip(f"{broker} is not running on 127.0.0.1")
    queue = f"tandem-test-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TANDEM_JOBS_QUEUE = queue
    with (
        _sending_to(url, _transport_options(url, tmp_path), settings),
        _worker(url, queue, tmp_path) as worker,
    ):
        job = jobs.start(
            "jobs.check_worker",
            user=salesperson,
            company=salesperson.active_company,
            title="Worker check",
            params={"steps": 25},
        )
        deadline = time.monotonic() + WAIT_LIMIT
        while time.monotonic() < deadline and worker.poll() is None:
            job.refresh_from_db()
            if job.finished:
                break
            time.sleep(0.2)
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert worker.poll() is None, f"the worker exited early:\n{log}"
        assert job.state == Job.State.SUCCEEDED, f"job is {job.state} after {WAIT_LIMIT} s:\n{log}"
        assert (job.done, job.total) == (25, 25)
        assert job.result["pid"] == worker.pid  # run by the worker, not in this process
        if broker != "filesystem":
            _delete_queue(queue)
    assert worker.returncode is not None


def test_the_embedded_worker_runs_the_schedules_and_delivers_webhooks(settings, tmp_path, company, admin):
    """``tandem run``'s worker: filesystem broker, beat embedded. A declared schedule runs by
    itself, and an event committed here reaches a local receiver through the worker."""
    from tandem.core.jobs.models import ScheduledRun
    from tandem.integrations.webhooks import services as webhooks
    from tandem.integrations.webhooks.models import WebhookDelivery
    from tests.integrations.webhooks.conftest import Receiver

    url = BROKERS["filesystem"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.TANDEM_JOBS_QUEUE = None
    receiver = Receiver().start()
    _subscription, receiver.secret = webhooks.create_subscription(
        company, admin, url=receiver.url, events_=["partner.*"]
    )
    webhooks.forget_cached_subscriptions()
    webhooks._last_nudge = 0.0
    beat = ["-B", "-s", str(tmp_path / "celerybeat-schedule")]
    try:
        with (
            _sending_to(url, _transport_options(url, tmp_path), settings),
            _worker(url, None, tmp_path, *beat) as w,
        ):
            from tandem.partners.services import create_partner

            create_partner(company, admin, name="Broker check", kind="organisation")  # commits: nudge
            deadline = time.monotonic() + BEAT_WAIT_LIMIT
            while time.monotonic() < deadline and w.poll() is None:
                ran = ScheduledRun.objects.filter(outcome="succeeded").exists()
                if ran and any(m.payload["type"] == "partner.created" for m in receiver.received):
                    break
                time.sleep(0.5)
            log = (tmp_path / "worker.log").read_text(errors="replace")
            assert w.poll() is None, f"the worker exited early:\n{log}"
            assert ScheduledRun.objects.filter(outcome="succeeded").exists(), log
            names = set(ScheduledRun.objects.values_list("name", flat=True))
            assert names <= {schedule.name for schedule in jobs.schedules()}
            checked = [m for m in receiver.received if m.payload["type"] == "partner.created"]
            assert len(checked) == 1, log
            assert checked[0].signature_ok
            assert WebhookDelivery.objects.get(event_type="partner.created").state == "delivered"
    finally:
        receiver.stop()
