"""The public lead capture: what a company's website posts (its form, or a script) becomes a
lead, once the secret key is known, the honeypot is empty and the sender's address has not
posted too often. Everything refused is refused before anything is written."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import throttle
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.crm.models.leads import Lead, LeadCaptureKey
from tandem.crm.services.leads import create_lead

HONEYPOT = "website"  # a field people never see (hidden by the form's CSS); robots fill it
FIELDS = ["title", "company_name", "contact_name", "email", "phone", "budget", "need", "timeline"]
ALIASES = {"company": "company_name", "name": "contact_name", "message": "need"}


class UnknownKey(BusinessError):
    status = 404


class TooManyRequests(BusinessError):
    status = 429


def limit() -> tuple[int, int]:
    """Posts allowed per address and the window in seconds (``TANDEM_LEAD_CAPTURE_LIMIT``, e.g. 20/600)."""
    return throttle.parse_limit(getattr(settings, "TANDEM_LEAD_CAPTURE_LIMIT", None), "20/600")


def count_post(address: str) -> bool:
    """Count one post from ``address`` in the current window; false once over the limit."""
    return throttle.allow("crm:lead-capture", address, limit())


@transaction.atomic
def capture_key(company: Company, actor: User | None = None) -> LeadCaptureKey:
    """The company's key, made on first use."""
    found = LeadCaptureKey.objects.filter(company=company).first()
    if found is not None:
        return found
    Company.objects.select_for_update().filter(pk=company.pk).first()
    found = LeadCaptureKey.objects.filter(company=company).first()
    return found or LeadCaptureKey.objects.create(company=company, key=secrets.token_urlsafe(32))


@transaction.atomic
def replace_capture_key(company: Company, actor: User | None = None) -> LeadCaptureKey:
    """A new key (the old one stops working at once): for a key that leaked."""
    current = capture_key(company, actor)
    LeadCaptureKey.objects.filter(pk=current.pk).update(key=secrets.token_urlsafe(32))
    current.refresh_from_db()
    return current


def client_address(request: Any) -> str:
    return throttle.client_address(request)


def too_many() -> str:
    return _("Too many submissions from this address: try again later.")


def capture_lead(key: str, fields: Mapping[str, Any], *, address: str = "") -> Lead:
    """A lead from a website post. Refused, with nothing written: an unknown key (404), a
    filled honeypot or bad fields (400), an address over the rate limit (429)."""
    if address and not count_post(address):
        raise TooManyRequests(too_many())
    found = LeadCaptureKey.objects.select_related("company", "owner").filter(key=str(key or "")[:64]).first()
    if not key or found is None:
        raise UnknownKey(_("Unknown form key."))
    if str(fields.get(HONEYPOT) or "").strip():
        raise ValidationFailed({HONEYPOT: [_("This submission was refused.")]})
    data: dict[str, Any] = {}
    unknown = []
    for name, value in fields.items():
        if name in ("key", HONEYPOT):
            continue
        target = ALIASES.get(name, name)
        if target not in FIELDS:
            unknown.append(name)
        elif value not in (None, ""):
            data[target] = value if not isinstance(value, str) else value.strip()
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)[:10]})
    if not (data.get("email") or data.get("phone")):
        raise ValidationFailed({"email": [_("Give an e-mail address or a phone number to reach you by.")]})
    if found.owner is not None:
        data["owner"] = found.owner
    return create_lead(found.company, None, source=Lead.Source.WEBSITE, **data)
