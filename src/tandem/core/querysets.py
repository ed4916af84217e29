"""Record rules: one ``visible_to(user)`` per model, used by UI, API, exports and reports."""

from __future__ import annotations

from typing import Any, Self

from django.db import models

from tandem.core.models import Company, User


def allowed_company(user: Any) -> Company | None:
    """The company the user works in now, if they are allowed in it.

    A request made with an API token works in the token's company, not in the one its
    owner last chose in the browser.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_allowed_company", _UNKNOWN)
    if isinstance(cached, Company | None) and getattr(cached, "pk", None) == working_company_id(user):
        return cached
    allowed = _check_allowed(user)
    user._allowed_company = allowed  # one membership query per user object (i.e. per request)
    return allowed


_UNKNOWN = object()


def working_company_id(user: Any) -> int | None:
    token_company = getattr(user, "api_token_company_id", None)
    return token_company if token_company is not None else user.active_company_id  # type: ignore[no-any-return]


def _check_allowed(user: Any) -> Company | None:
    token_company = getattr(user, "api_token_company_id", None)
    company = Company.objects.filter(pk=token_company).first() if token_company else user.active_company
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
