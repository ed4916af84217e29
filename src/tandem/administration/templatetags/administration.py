"""``{% load administration %}``: ``user|is_administrator`` for menus and pages."""

from typing import Any

from django import template

from tandem.core.security import is_administrator as _is_administrator

register = template.Library()


@register.filter
def is_administrator(user: Any) -> bool:
    return _is_administrator(user)


@register.filter
def minutes_of(duration: Any) -> int:
    """A timedelta in whole minutes, rounded up (for "try again in N minutes")."""
    seconds = duration.total_seconds() if hasattr(duration, "total_seconds") else float(duration or 0)
    return max(1, -(-int(seconds) // 60))
