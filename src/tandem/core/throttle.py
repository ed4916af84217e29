"""Counting what one address asks of a public endpoint (the website's lead form, a quotation's
link): a fixed window per address in the cache, shared by every worker through it.

``allow(scope, address, limit)`` counts one request and says whether the address is still
within ``limit`` (requests, seconds); ``client_address(request)`` is the connecting address,
never ``X-Forwarded-For``, which a client can write."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils import timezone


def parse_limit(value: Any, default: str) -> tuple[int, int]:
    """``"20/600"`` → (20, 600): requests allowed per address and the window in seconds."""
    count, _slash, seconds = str(value or default).partition("/")
    return int(count), int(seconds or 600)


def allow(scope: str, address: str, limit: tuple[int, int]) -> bool:
    """Count one request of ``address`` to ``scope`` in the current window; false once over."""
    allowed, window = limit
    slot = int(timezone.now().timestamp()) // window
    key = f"{scope}:{address}:{slot}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return int(count) <= allowed


def client_address(request: Any) -> str:
    """The connecting address (never X-Forwarded-For, which a client can write)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
