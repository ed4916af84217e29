"""Operations settings from the environment; imported by ``settings.py``, so plain Python only.

- ``TANDEM_CACHE_URL`` (``redis://host:6379/1``, ``rediss://…``, ``unix://…``): Django's Redis
  cache; unset, a per-process local-memory cache.
- ``TANDEM_LOG_FORMAT`` (``json`` or ``plain``): how log lines look; default ``json`` unless
  ``TANDEM_DEBUG`` is on. Both carry the request ID and the user ID.
- ``TANDEM_METRICS_ALLOWED_IPS``: comma-separated addresses or networks (CIDR) that may read
  ``/metrics/`` without signing in; default loopback ``127.0.0.1,::1``.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

LOG_FORMATS = ("json", "plain")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
DEFAULT_METRICS_ALLOWED_IPS = "127.0.0.1,::1"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def cache_settings(url: str | None) -> dict[str, dict[str, Any]]:
    """The ``CACHES`` setting: Redis when ``url`` is given, else local memory."""
    url = (url or "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tandem"}}
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError(f"TANDEM_CACHE_URL must start with one of {', '.join(REDIS_SCHEMES)}")
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tandem",
            # A cache that is down must not hang requests (or /health/) for long.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }


def log_format(value: str | None, *, debug: bool) -> str:
    """``TANDEM_LOG_FORMAT``, defaulting to JSON in production (DEBUG off)."""
    chosen = (value or "").strip().lower() or ("plain" if debug else "json")
    if chosen not in LOG_FORMATS:
        raise ValueError(f"TANDEM_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
    return chosen


def logging_settings(base: dict[str, Any], fmt: str) -> dict[str, Any]:
    """``base`` (a dictConfig) with the request-context filter on every handler and every
    handler writing ``fmt`` (``json`` or ``plain``)."""
    config = copy.deepcopy(base)
    config.setdefault("filters", {})["request_context"] = {
        "()": "tandem.operations.logs.RequestContextFilter"
    }
    formatters = config.setdefault("formatters", {})
    formatters["plain"] = {"()": "tandem.operations.logs.PlainFormatter"}
    formatters["json"] = {"()": "tandem.operations.logs.JsonFormatter"}
    for handler in config.get("handlers", {}).values():
        filters = handler.setdefault("filters", [])
        if "request_context" not in filters:
            filters.append("request_context")
        handler["formatter"] = fmt
    return config


def allowed_networks(value: str | None) -> list[IPNetwork]:
    """Parse ``TANDEM_METRICS_ALLOWED_IPS``: addresses (``10.0.0.5``) or networks (``10.0.0.0/8``)."""
    raw = DEFAULT_METRICS_ALLOWED_IPS if value is None else value
    networks: list[IPNetwork] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"TANDEM_METRICS_ALLOWED_IPS: {item!r} is not an address or network") from error
    return networks
