"""``/health/``: each check against the real components, and the states a load balancer sees."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import ScheduledRun
from tandem.operations import health
from tandem.operations.models import Heartbeat
from tandem.operations.services import record_heartbeat
from tandem.operations.tasks import worker_heartbeat

from .conftest import closed_port

pytestmark = pytest.mark.django_db

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


@pytest.fixture(autouse=True)
def _real_background_work(settings: Any) -> None:
    """Health looks at the broker and the worker only when tasks do not run eagerly."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


def _get(client: Client, **extra: Any) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/", **extra)
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def test_all_well(client: Client) -> None:
    record_heartbeat()
    status, report = _get(client)
    assert status == 200
    assert report["status"] == "ok"
    assert set(report["checks"]) == {"database", "cache", "broker", "worker"}
    assert all(check["status"] == "ok" for check in report["checks"].values())
    assert report["checks"]["worker"]["age_seconds"] <= 120


def test_cache_down_is_degraded_not_failed(client: Client, settings: Any) -> None:
    port = closed_port()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://:cache-password@127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    record_heartbeat()
    response = client.get("/health/")
    report = response.json()
    assert response.status_code == 200  # the site still works: keep it in the pool
    assert report["status"] == "degraded"
    assert report["checks"]["cache"] == {"status": "fail", "reason": "ConnectionError"}
    assert report["checks"]["database"]["status"] == "ok"
    body = response.content.decode()
    assert "cache-password" not in body and str(port) not in body  # no secrets, no addresses


def test_cache_on_real_redis(client: Client, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
        }
    }
    assert health.check_cache() == {"status": "ok"}


def test_broker_on_rabbitmq_and_redis(settings: Any) -> None:
    settings.CELERY_BROKER_URL = RABBITMQ
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    assert health.check_broker() == {"status": "ok"}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/13"
    assert health.check_broker() == {"status": "ok"}


def test_embedded_broker_is_its_queue_folders(settings: Any, tmp_path: Path) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }
    assert health.check_broker() == {"status": "ok"}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    assert health.check_broker() == {"status": "fail", "reason": "queue-folder"}


def test_broker_down_is_degraded(client: Client, settings: Any) -> None:
    settings.CELERY_BROKER_URL = f"amqp://guest:broker-password@127.0.0.1:{closed_port()}//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    record_heartbeat()
    status, report = _get(client)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["checks"]["broker"]["status"] == "fail"
    assert "broker-password" not in json.dumps(report)


def test_stale_worker_heartbeat_is_degraded(client: Client) -> None:
    Heartbeat.objects.create(name=Heartbeat.WORKER, beat_at=timezone.now() - timedelta(minutes=5))
    status, report = _get(client)
    assert status == 200
    assert report["status"] == "degraded"
    worker = report["checks"]["worker"]
    assert worker["status"] == "fail" and worker["reason"] == "stale"
    assert worker["age_seconds"] >= 300


def test_heartbeat_just_inside_the_limit(client: Client, settings: Any) -> None:
    settings.TANDEM_HEARTBEAT_STALE_AFTER = 120
    Heartbeat.objects.create(name=Heartbeat.WORKER, beat_at=timezone.now() - timedelta(seconds=60))
    assert health.check_worker()["status"] == "ok"


def test_no_heartbeat_yet_is_degraded(client: Client) -> None:
    status, report = _get(client)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["checks"]["worker"] == {"status": "fail", "reason": "no-heartbeat"}


def test_database_down_fails_with_503(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not connect to server at 10.9.8.7 password=hunter2")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/health/")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "fail"
    assert report["checks"]["database"] == {"status": "fail", "reason": "OperationalError"}
    assert report["checks"]["worker"] == {"status": "skipped", "reason": "database"}
    assert "hunter2" not in response.content.decode() and "10.9.8.7" not in response.content.decode()


def test_eager_tasks_skip_broker_and_worker(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    status, report = _get(client)
    assert status == 200 and report["status"] == "ok"
    assert report["checks"]["broker"]["status"] == "skipped"
    assert report["checks"]["worker"]["status"] == "skipped"


def test_answers_a_load_balancer_probing_by_ip_address(client: Client) -> None:
    """The host check would refuse Host: 10.0.0.7; a load balancer's probe still gets its answer."""
    status, report = _get(client, HTTP_HOST="10.0.0.7:8000")
    assert status == 200 and "checks" in report
    assert client.get("/partners/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # others are still checked


def test_no_sign_in_and_no_writes(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.head("/health/").status_code == 200


def test_post_is_not_allowed(client: Client) -> None:
    response = client.post("/health/", {"status": "ok"})
    assert response.status_code == 405
    assert not Heartbeat.objects.exists()


def test_the_heartbeat_is_a_scheduled_job() -> None:
    schedules = {schedule.name: schedule for schedule in jobs.schedules()}
    assert schedules["ops.worker_heartbeat"].every == timedelta(seconds=30)
    assert "tandem:ops.worker_heartbeat" in jobs.beat_schedule()

    run = jobs.run_scheduled("ops.worker_heartbeat")

    assert run.outcome == ScheduledRun.Outcome.SUCCEEDED
    beat = Heartbeat.objects.get(name=Heartbeat.WORKER)
    assert (timezone.now() - beat.beat_at) < timedelta(minutes=1)
    assert beat.hostname
    assert health.check_worker()["status"] == "ok"


def test_heartbeat_overwrites_one_row() -> None:
    worker_heartbeat()
    worker_heartbeat()
    assert Heartbeat.objects.count() == 1
