"""Who administers, and who must sign in with a second factor.

Pure reads used by the settings area, the sign-in steps and templates. Roles are global
Django groups; an *administrator* is a superuser or a member of the ``administrator`` role.
Two-factor sign-in is required of administrators whose active company turned on
``require_two_factor``; anyone may opt in.
"""

from __future__ import annotations

from typing import Any

from django_otp import user_has_device

from tandem.core.querysets import allowed_company
from tandem.core.roles import ADMINISTRATOR


def is_administrator(user: Any) -> bool:
    """A superuser, or an active member of the administrator role (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_tandem_is_administrator", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATOR).exists()
        user._tandem_is_administrator = cached
    return bool(cached)


def has_two_factor(user: Any) -> bool:
    """The user has a confirmed second-factor device."""
    return bool(getattr(user, "is_authenticated", False) and user_has_device(user, confirmed=True))


def two_factor_required(user: Any) -> bool:
    """An administrator whose active company requires two-factor sign-in."""
    if not is_administrator(user):
        return False
    company = allowed_company(user)
    return bool(company is not None and company.require_two_factor)
