"""One middleware, first in the chain: request ID, access log line and request metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from tandem.operations import metrics, views
from tandem.operations.logs import (
    REQUEST_ID_HEADER,
    current_request,
    current_request_id,
    request_id_from,
)

access_log = logging.getLogger("tandem.access")

# Probes a load balancer or Prometheus sends every few seconds: logged at DEBUG only.
QUIET_VIEWS = frozenset({"ops:health", "ops:metrics"})


class RequestContextMiddleware:
    """Gives each request an ID (the client's ``X-Request-ID`` if sane, else a new one) that
    every log line written while serving it carries and that the response echoes; then logs
    one access line and counts the request in the Prometheus metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = current_request_id.set(request_id)
        request_token = current_request.set(request)
        started = time.perf_counter()
        try:
            view, response = _probe(request)
            if response is None:
                response = self.get_response(request)
                view = _view_name(request)
            seconds = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            metrics.observe_request(view, request.method or "", response.status_code, seconds)
            access_log.log(
                logging.DEBUG if view in QUIET_VIEWS else logging.INFO,
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                seconds * 1000,
                extra={
                    "method": request.method,
                    "path": request.path,  # without the query string, which may carry tokens
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                    "view": view,
                },
            )
            return response
        finally:
            current_request.reset(request_token)
            current_request_id.reset(id_token)


def _probe(request: HttpRequest) -> tuple[str, HttpResponse | None]:
    """Answer a load balancer's ``/health/`` and an allowed scraper's ``/metrics/`` here, before
    the host check: a load balancer probes by IP address (AWS's cannot even set Host), which is
    rarely in ALLOWED_HOSTS. Neither response uses the host. Everything else — an administrator
    reading /metrics/ with a session — takes the normal path."""
    if request.method not in ("GET", "HEAD"):
        return "", None
    if request.path == reverse("ops:health"):
        return "ops:health", views.health_view(request)
    if request.path == reverse("ops:metrics") and views.address_allowed(request):
        return "ops:metrics", views.metrics_view(request)
    return "", None


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return metrics.UNRESOLVED_VIEW  # static files, redirects before routing, 404s
    return match.view_name or match._func_path
