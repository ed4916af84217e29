"""``/health/`` for load balancers and ``/metrics/`` for Prometheus."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from tandem.core.security import is_administrator
from tandem.operations import health, metrics
from tandem.operations.config import allowed_networks

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@never_cache
@require_safe
def health_view(request: HttpRequest) -> HttpResponse:
    """No sign-in, no secrets: each check's status, 503 when the database fails."""
    report = health.run_checks()
    return JsonResponse(report, status=503 if report["status"] == health.FAIL else 200)


def address_allowed(request: HttpRequest) -> bool:
    """The connecting address is in TANDEM_METRICS_ALLOWED_IPS.

    ``REMOTE_ADDR`` is the connecting address (never X-Forwarded-For, which a client can write).
    Behind a reverse proxy on the same host every request would come from loopback, so a request
    that went through a proxy (it carries a forwarding header) never passes on its address.
    """
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    address = request.META.get("REMOTE_ADDR", "")
    try:
        remote = ipaddress.ip_address(address)
    except ValueError:
        remote = None
    if isinstance(remote, ipaddress.IPv6Address) and remote.ipv4_mapped is not None:
        remote = remote.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket
    if remote is not None:
        networks = getattr(settings, "TANDEM_METRICS_ALLOWED_NETWORKS", None)
        if networks is None:
            networks = allowed_networks(None)
        return any(remote in network for network in networks)
    return False


def metrics_allowed(request: HttpRequest) -> bool:
    """Anyone from an allowed address, or a signed-in administrator."""
    return address_allowed(request) or is_administrator(request.user)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponseForbidden()
    return HttpResponse(metrics.render(), content_type=CONTENT_TYPE_LATEST)
