"""Prometheus metrics: HTTP requests (by the middleware) and the state of background work.

Request metrics live in the process that served the request. Under granian with several
workers each process counts its own, unless ``PROMETHEUS_MULTIPROC_DIR`` names an empty,
writable directory before the processes start: prometheus-client then shares the values
through files there and ``/metrics/`` aggregates every process's.

Job queue length and heartbeat age are read from the database at scrape time, so they are
the same whichever process answers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version

from django.apps import apps
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from tandem.operations.health import heartbeat_age

logger = logging.getLogger(__name__)

disable_created_metrics()  # no *_created series: they double the output and nobody graphs them

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED_VIEW = "<unresolved>"

REQUESTS = Counter(
    "tandem_http_requests",
    "HTTP requests answered, by view name, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "tandem_http_request_duration_seconds",
    "Time from the first middleware to the response, by view name, method and status code.",
    ["view", "method", "status"],
)


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    labels = {"view": view, "method": method, "status": str(status)}
    REQUESTS.labels(**labels).inc()
    LATENCY.labels(**labels).observe(seconds)


def _tandem_version() -> str:
    try:
        return version("tandem-erp")
    except PackageNotFoundError:
        return "unknown"


class StateCollector:
    """Gauges read from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "tandem_info", "Tandem's version (the value is always 1).", labels=["version"]
        )
        info.add_metric([_tandem_version()], 1)
        yield info
        yield from self._jobs()
        yield from self._heartbeat()

    def _jobs(self) -> Iterator[Metric]:
        try:
            job_model = apps.get_model("jobs", "Job")
        except LookupError:
            return  # no job machinery installed: nothing to report
        try:
            queued = job_model.objects.filter(state="queued").count()
            running = job_model.objects.filter(state="running").count()
        except Exception:
            logger.warning("metrics: cannot count jobs", exc_info=True)
            return
        yield GaugeMetricFamily(
            "tandem_job_queue_length", "Background jobs waiting for a worker.", value=queued
        )
        yield GaugeMetricFamily("tandem_jobs_running", "Background jobs a worker is running.", value=running)

    def _heartbeat(self) -> Iterator[Metric]:
        try:
            age = heartbeat_age()
        except Exception:
            logger.warning("metrics: cannot read the worker heartbeat", exc_info=True)
            return
        if age is not None:
            yield GaugeMetricFamily(
                "tandem_worker_heartbeat_age_seconds", "Seconds since the worker's last heartbeat.", value=age
            )


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> bytes:
    """The exposition text of every metric (Prometheus text format 0.0.4)."""
    if multiprocess_dir():
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
        requests = generate_latest(process_registry)
    else:
        requests = generate_latest(REGISTRY)
    state_registry = CollectorRegistry(auto_describe=False)
    state_registry.register(StateCollector())  # type: ignore[arg-type]
    return requests + generate_latest(state_registry)
