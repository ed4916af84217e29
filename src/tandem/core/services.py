"""Writes on platform records: companies, the active company, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import ApiToken, Company, Currency, User

TOKEN_PREFIX = "tdm_"


@transaction.atomic
def create_company(
    *, name: str, code: str, currency: Currency, country: str = "", actor: User | None = None, **fields: str
) -> Company:
    company = Company.objects.create(name=name, code=code, currency=currency, country=country, **fields)
    events.record("company.created", company, actor, {"name": name, "currency": currency.code})
    return company


def choose_language(user: User, language: str) -> None:
    """Remember the language a person chose, for every later sign-in from any browser."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language not in codes:
        raise ValidationFailed({"language": [_("Choose one of the offered languages.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def switch_company(user: User, company: Company) -> None:
    if not (user.is_superuser or user.companies.filter(pk=company.pk).exists()):
        raise NotAllowed(_("You are not allowed to work in %(company)s.") % {"company": company.name})
    user.active_company = company
    user.save(update_fields=["active_company"])
    events.record("user.company_switched", user, user, {"company": company.code}, company=company)


@transaction.atomic
def grant_company(user: User, company: Company, actor: User | None = None) -> None:
    user.companies.add(company)
    if user.active_company_id is None:
        user.active_company = company
        user.save(update_fields=["active_company"])
    events.record("user.company_granted", user, actor, {"company": company.code}, company=company)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_api_token(
    user: User, name: str, actor: User | None = None, *, company: Company | None = None
) -> tuple[ApiToken, str]:
    """Create a token for one company (default: the one ``user`` works in now).

    The returned secret is never stored and cannot be shown again.
    """
    company = company or user.active_company
    if company is None or not (user.is_superuser or user.companies.filter(pk=company.pk).exists()):
        raise NotAllowed(_("A token works in one company; %(user)s has none to give it.") % {"user": user})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, company=company, name=name, prefix=secret[:12], key_hash=hash_token(secret)
    )
    events.record(
        "api_token.issued", token, actor or user, {"name": name, "user": user.username}, company=company
    )
    return token, secret


@transaction.atomic
def revoke_api_token(token: ApiToken, actor: User | None = None) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    events.record("api_token.revoked", token, actor, {"name": token.name})


def authenticate_token(secret: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    user = token.user
    user.api_token_company_id = token.company_id  # type: ignore[attr-defined]  # works in the token's company
    return user
