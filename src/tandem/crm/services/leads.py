"""Every write on leads: capture (web form, e-mail, call, import, by hand), edit, qualify,
disqualify, reopen. Each validates first (a clear error, nothing written), runs in one
transaction and records its event; state moves go through ``core.states``.

``create_lead`` is the one way in for every channel: the e-mail and call capture call it for an
unknown sender or number with a ``source_ref`` (the message or call id), so a replayed message
or event finds the lead it made instead of making another.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tandem.core import events, states
from tandem.core.errors import BusinessError, IllegalTransition, StaleVersion, ValidationFailed
from tandem.core.identifiers import InvalidIdentifier, normalize_email, normalize_phone
from tandem.core.messages import Message
from tandem.core.models import Company, Currency, User
from tandem.core.versioning import update_versioned
from tandem.crm.models import Deal
from tandem.crm.models.leads import Lead, sees_all_leads
from tandem.crm.models.rules import may_act_for
from tandem.crm.services import create_deal
from tandem.partners.duplicates import DuplicateMatch, find_duplicates
from tandem.partners.models import Partner
from tandem.partners.services import create_partner, visible_ids

LEAD_FIELDS = [
    "title", "source", "company_name", "contact_name", "email", "phone", "budget", "currency", "need",
    "timeline", "owner", "notes",
]  # fmt: skip
TEXT_LIMITS = {"title": 200, "company_name": 200, "contact_name": 200, "email": 254, "source_ref": 200}

Errors = dict[str, list[str | Message]]


def _budget(value: Any) -> Decimal | None:
    if isinstance(value, float | bool):
        raise InvalidOperation  # money never passes through a float
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise InvalidOperation
    return number


def normalized_lead(company: Company, actor: User | None, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised lead fields; every problem reported at once."""
    data: dict[str, Any] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: Errors = {}
    for name, limit in TEXT_LIMITS.items():
        if isinstance(data.get(name), str) and len(data[name]) > limit:
            errors[name] = [_("Keep this under %(limit)s characters.") % {"limit": limit}]
    for name in ("need", "notes"):
        if name in data and data[name] is None:
            data[name] = ""
    if data.get("email") and "email" not in errors:
        try:
            data["email"] = normalize_email(data["email"]).lower()
        except InvalidIdentifier as exc:
            errors["email"] = [exc.stored]
    if data.get("phone"):
        try:
            data["phone"] = normalize_phone(data["phone"], company.country)
        except InvalidIdentifier as exc:
            errors["phone"] = [exc.stored]
    if "budget" in data:
        if data["budget"] in (None, ""):
            data["budget"] = None
        else:
            try:
                budget = _budget(data["budget"])
            except (InvalidOperation, ValueError):
                budget = Decimal(-1)
            if budget is None or budget < 0:
                errors["budget"] = [_("Enter a budget of zero or more.")]
            elif budget >= Decimal(10) ** 16:
                errors["budget"] = [_("This amount is too large.")]
            else:
                data["budget"] = budget.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if (
        "currency" in data
        and data["currency"] not in (None, "")
        and not isinstance(data["currency"], Currency)
    ):
        found = Currency.objects.filter(pk=str(data["currency"]).upper()).first()
        if found is None:
            errors["currency"] = [_("Unknown currency.")]
        data["currency"] = found
    elif "currency" in data and data["currency"] == "":
        data["currency"] = None
    for name, choices in (("source", Lead.Source), ("timeline", Lead.Timeline)):
        if data.get(name) is None and name in data:
            data[name] = ""
        if data.get(name) and data[name] not in choices.values:
            errors[name] = [_("Choose one of the options.")]
    if "source" in data and not data["source"]:
        data["source"] = Lead.Source.MANUAL
    owner = data.get("owner")
    if owner is not None:
        if not (owner.is_superuser or owner.companies.filter(pk=company.pk).exists()):
            errors["owner"] = [_("This choice belongs to another company.")]
        elif actor is not None and not sees_all_leads(actor) and not may_act_for(actor, owner, company):
            errors["owner"] = [_("You can only assign leads to yourself or to the teams you lead.")]
    if errors:
        raise ValidationFailed(errors)
    return data


def _title(data: Mapping[str, Any]) -> str:
    for name in ("title", "company_name", "contact_name", "email", "phone"):
        if data.get(name):
            return str(data[name])[:200]
    return ""


def _unknown(fields: Mapping[str, Any], allowed: list[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise BusinessError(_("Unknown lead fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})


def create_lead(
    company: Company,
    actor: User | None = None,
    *,
    source: str = Lead.Source.MANUAL,
    source_ref: str = "",
    **fields: Any,
) -> Lead:
    """A new lead from any channel; returns it.

    Fields: ``title`` (else the company or contact name, the e-mail or the phone), ``company_name``,
    ``contact_name``, ``email``, ``phone`` (read in the company's country, stored E.164),
    ``budget`` and ``currency``, ``need``, ``timeline`` (a ``Lead.Timeline``), ``owner`` (a
    user; a salesperson may only name themselves; a salesperson creating one owns it),
    ``notes``. Something to reach or name them by is required. With a ``source_ref`` (a message
    id, a call id) the same reference from the same source returns the lead captured before,
    unchanged — a replay is captured once. Raises ``ValidationFailed`` with nothing written.
    """
    _unknown(fields, LEAD_FIELDS)
    data = normalized_lead(company, actor, {**fields, "source": source, "source_ref": source_ref or ""})
    ref = data.pop("source_ref")
    if ref:
        found = Lead.objects.filter(company=company, source=data["source"], source_ref=ref).first()
        if found is not None:
            return found
    data["title"] = _title(data)
    if not data["title"]:
        raise ValidationFailed(
            {"contact_name": [_("Give a name, a company, an e-mail or a phone to reach them by.")]}
        )
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if data.get("owner") is None and person is not None and not sees_all_leads(person):
        data["owner"] = person
    if data.get("budget") is not None and data.get("currency") is None:
        data["currency"] = company.currency
    try:
        with transaction.atomic():
            lead = Lead.objects.create(company=company, source_ref=ref, **data)
            events.record(
                "lead.created", lead, actor,
                {"title": lead.title, "source": lead.source, "owner": str(lead.owner) if lead.owner else ""},
            )  # fmt: skip
    except IntegrityError:
        if not ref:
            raise
        # the same message or call captured at the same moment by another worker
        return Lead.objects.get(company=company, source=data["source"], source_ref=ref)
    return lead


def _lock(lead: Lead, expected_version: int | None) -> Lead:
    locked = Lead._base_manager.select_for_update().get(pk=lead.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
    return locked  # type: ignore[no-any-return]


@transaction.atomic
def update_lead(
    lead: Lead, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Lead:
    _unknown(fields, LEAD_FIELDS)
    if lead.state == Lead.State.CONVERTED:
        raise ValidationFailed({"state": [_("A converted lead is kept as it was: edit the deal instead.")]})
    data = normalized_lead(lead.company, actor, fields)
    if "title" in data and not data["title"]:
        raise ValidationFailed({"title": [_("A lead needs a title.")]})
    return update_versioned(lead, actor, data, expected_version=expected_version, event="lead.updated")


@transaction.atomic
def qualify_lead(lead: Lead, actor: User | None, *, expected_version: int | None = None) -> Lead:
    """The lead is worth a salesperson's time: a real need, someone to talk to."""
    locked = _lock(lead, expected_version)
    states.transition(
        lead, "qualified", actor, fields={"version": F("version") + 1}, data={"title": locked.title}
    )
    return lead


@transaction.atomic
def disqualify_lead(
    lead: Lead, actor: User | None, *, reason: str, expected_version: int | None = None
) -> Lead:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the lead is disqualified.")]})
    if len(reason) > 500:
        raise ValidationFailed({"reason": [_("Keep this under %(limit)s characters.") % {"limit": 500}]})
    locked = _lock(lead, expected_version)
    states.transition(
        lead, "disqualified", actor,
        fields={"disqualify_reason": reason, "version": F("version") + 1},
        data={"title": locked.title, "reason": reason},
    )  # fmt: skip
    return lead


@transaction.atomic
def reopen_lead(lead: Lead, actor: User | None, *, expected_version: int | None = None) -> Lead:
    locked = _lock(lead, expected_version)
    states.transition(
        lead, "reopened", actor,
        fields={"disqualify_reason": "", "closed_at": None, "version": F("version") + 1},
        data={"title": locked.title},
    )  # fmt: skip
    return lead


# --- conversion -----------------------------------------------------------------------------

DEAL_SOURCES = {"website", "referral", "email", "call", "event", "campaign"}


def lead_duplicates(lead: Lead, actor: User | None) -> list[DuplicateMatch]:
    """The partners this lead probably is (the platform's duplicate detection: e-mail, phone,
    a name alike), of those ``actor`` may open — the candidates to link it to."""
    matches = find_duplicates(
        lead.company,
        name=lead.company_name or lead.contact_name,
        email=lead.email,
        phone=lead.phone,
        limit=10,
    )
    if lead.company_name and lead.contact_name:
        seen = {m.partner.pk for m in matches}
        matches += [
            m for m in find_duplicates(lead.company, name=lead.contact_name) if m.partner.pk not in seen
        ]
    shown = visible_ids(actor, [m.partner.pk for m in matches])
    return [m for m in matches if m.partner.pk in shown]


def _new_customer(
    lead: Lead, actor: User | None, owner: User | None, allow_duplicate: bool
) -> tuple[Partner, Partner | None]:
    """The organisation (or the person, when the lead names no company) and its contact person."""
    common: dict[str, Any] = {"is_customer": True, "allow_duplicate": allow_duplicate}
    if owner is not None:
        common["owner"] = owner
    reach: dict[str, Any] = {"email": lead.email, "phone": lead.phone}
    if lead.company_name:
        organisation = create_partner(
            lead.company, actor, kind=Partner.Kind.ORGANISATION, name=lead.company_name,
            **({} if lead.contact_name else reach), **common,
        )  # fmt: skip
        person = None
        if lead.contact_name:
            person = create_partner(
                lead.company, actor, kind=Partner.Kind.PERSON, name=lead.contact_name,
                organisation=organisation, **reach, **{**common, "allow_duplicate": True},
            )  # fmt: skip
        return organisation, person
    name = lead.contact_name or lead.email or lead.phone
    return create_partner(lead.company, actor, kind=Partner.Kind.PERSON, name=name, **reach, **common), None


@transaction.atomic
def convert_lead(
    lead: Lead,
    actor: User | None,
    *,
    partner: Partner | None = None,
    allow_duplicate: bool = False,
    open_deal: bool = True,
    pipeline: Any = None,
    stage: Any = None,
    title: str = "",
    amount: Any = None,
    expected_version: int | None = None,
) -> Lead:
    """Turn a lead into a customer and a deal.

    With ``partner`` the lead is linked to that existing customer (one of ``lead_duplicates``
    or any the actor may open); without, a new one is made from the lead (its company and its
    contact person) — refused with ``DuplicateFound`` naming the candidates while the platform's
    duplicate detection finds one, unless ``allow_duplicate``. Then, unless ``open_deal`` is
    false, a deal opens in ``pipeline`` (the default one) at ``stage`` (its first), for the
    lead's budget unless ``amount`` is given. The lead is marked converted; the partner's
    timeline shows the conversion and the new deal. Nothing is written when anything is refused.
    """
    locked = _lock(lead, expected_version)
    if locked.state not in Lead.TRANSITIONS["converted"].sources:
        raise IllegalTransition(
            _("This lead is %(state)s: it cannot be converted.")
            % {"state": locked.get_state_display().lower()},
            state=locked.state,
        )
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    owner = locked.owner or person
    contact: Partner | None = None
    if partner is not None:
        if partner.company_id != locked.company_id or (
            person is not None and not Partner.objects.visible_to(person).filter(pk=partner.pk).exists()
        ):
            raise ValidationFailed({"partner": [_("You cannot see this customer.")]})
        if partner.kind == Partner.Kind.PERSON and partner.organisation_id is not None:
            partner, contact = partner.organisation, partner  # type: ignore[assignment]
    else:
        partner, contact = _new_customer(locked, actor, owner if owner != person else None, allow_duplicate)
    deal = None
    if open_deal:
        fields: dict[str, Any] = {
            "title": (title or "").strip() or locked.title,
            "partner": partner,
            "amount": amount if amount not in (None, "") else (locked.budget or Decimal(0)),
            "source": locked.source if locked.source in DEAL_SOURCES else Deal.Source.OTHER,
            "notes": locked.need,
        }
        if contact is not None:
            fields["contact"] = contact
        if owner is not None:
            fields["owner"] = owner
        if locked.currency_id:
            fields["currency"] = locked.currency
        if pipeline is not None:
            fields["pipeline"] = pipeline
        if stage is not None:
            fields["stage"] = stage
        deal = create_deal(locked.company, actor, **fields)
    assert partner is not None
    states.transition(
        lead, "converted", actor,
        fields={"partner": partner, "deal": deal, "version": F("version") + 1},
        data={"title": locked.title, "partner": partner.name, "deal": deal.title if deal else ""},
    )  # fmt: skip
    return lead
