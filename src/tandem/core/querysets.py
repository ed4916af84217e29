"""Record rules: one ``visible_to(user)`` per model, used by UI, API, exports and reports."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from tandem.core.models import Company, User


def allowed_company(user: Any) -> Company | None:
    """The company the user works in now, if they are allowed in it."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_allowed_company", _UNKNOWN)
    if isinstance(cached, Company | None) and getattr(cached, "pk", None) == user.active_company_id:
        return cached
    allowed = _check_allowed(user)
    user._allowed_company = allowed  # one membership query per user object (i.e. per request)
    return allowed


_UNKNOWN = object()


def _check_allowed(user: Any) -> Company | None:
    company = user.active_company
    if company is None:
        return None
    if user.is_superuser or user.companies.filter(pk=company.pk).exists():
        return company
    return None


class CompanyQuerySet(models.QuerySet[Any]):
    """Rows of the user's active company; subclasses narrow further by ownership."""

    def visible_to(self, user: User | Any) -> Self:
        company = allowed_company(user)
        if company is None:
            return self.none()
        return self.filter(company=company)
