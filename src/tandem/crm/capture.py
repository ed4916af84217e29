"""What e-mail and call capture share: finding the partner an address or number belongs to,
the salesperson responsible for it, and opening a lead for a stranger.

A stranger's message or call is kept as a :class:`~tandem.crm.models.Communication` without a
partner (seen by sales managers) and opens a lead (``crm.services.create_lead``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from tandem.core.errors import BusinessError
from tandem.core.identifiers import InvalidIdentifier, normalize_phone
from tandem.core.models import Company, User
from tandem.crm import services
from tandem.partners.models import Partner

log = logging.getLogger(__name__)


def card_of(partner: Partner) -> Partner:
    """The customer whose card shows a person's communications: their organisation, if any."""
    organisation = partner.organisation if partner.organisation_id else None
    return organisation if organisation is not None else partner


def salesperson_of(partner: Partner) -> User | None:
    """Who answers for the partner: its salesperson, else its organisation's."""
    if partner.owner_id is not None:
        return partner.owner
    organisation = partner.organisation if partner.organisation_id else None
    return organisation.owner if organisation is not None else None


def partners_by_email(company: Company, addresses: Iterable[str]) -> dict[str, Partner]:
    """``{address: partner}`` for the addresses a partner (or a contact person) of the company
    has, in one query; people before organisations for the same address."""
    wanted = sorted({a.strip().lower() for a in addresses if a and "@" in a})[:200]
    if not wanted:
        return {}
    found: dict[str, Partner] = {}
    rows = (
        Partner.objects.filter(company=company, active=True, email__in=wanted)
        .select_related("organisation", "owner", "organisation__owner")
        .order_by("-kind", "id")  # "person" sorts after "organisation": people win below
    )
    for partner in rows:
        found[partner.email.lower()] = partner
    return found


def e164(raw: Any) -> str:
    """The number in E.164, or "" when it is missing, withheld or not a number."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 40:
        return ""
    try:
        return normalize_phone(raw if raw.strip().startswith("+") else "+" + raw.strip().lstrip("0"))
    except InvalidIdentifier:
        return ""


def partner_by_phone(company: Company, number: str) -> Partner | None:
    """The partner (person first) whose phone or mobile is ``number`` (E.164)."""
    if not number:
        return None
    return (
        Partner.objects.filter(company=company, active=True)
        .filter(Q(phone=number) | Q(mobile=number))
        .select_related("organisation", "owner", "organisation__owner")
        .order_by("-kind", "id")
        .first()
    )


def open_lead(
    company: Company,
    *,
    reference: str,
    source: str,
    name: str = "",
    email: str = "",
    phone: str = "",
    notes: str = "",
) -> Any | None:
    """A lead for a stranger who wrote or called (``crm.services.create_lead``): once per
    ``reference`` (the Message-ID, the call id). None when the lead cannot be made (what they
    left is not enough to reach them by): the message or call is kept all the same."""
    try:
        return services.create_lead(
            company, None, source=source, source_ref=reference[:200], contact_name=name[:200],
            email=email, phone=phone, notes=notes[:5000],
        )  # fmt: skip
    except BusinessError as refused:
        log.warning("crm: no lead for %s %s: %s", source, reference[:200], refused.message)
        return None
