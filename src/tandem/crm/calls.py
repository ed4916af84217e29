"""Calls from the phone system: signed call events in, a call activity on the customer's
timeline out, and a notification to the salesperson while the phone rings.

The provider POSTs JSON to ``/api/v1/crm/call-events/<company code>/`` with the header
``X-Tandem-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` made with the
company's secret (:func:`rotate_secret`). An unsigned, wrongly signed or stale event (older or
newer than ``TANDEM_CRM_CALL_EVENT_WINDOW`` seconds) is refused with nothing written. Each call
is one :class:`Communication` (its ``call_id``), so an event sent twice is logged once.
The recording's address is stored as data and shown as an https link: never fetched.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import Company, User
from tandem.core.notifications.services import notify, register_kind
from tandem.crm import services
from tandem.crm.capture import card_of, e164, open_lead, partner_by_phone, salesperson_of
from tandem.crm.models import Activity, CallSettings, Communication, safe_recording_url
from tandem.partners.models import Partner

SIGNATURE_HEADER = "X-Tandem-Signature"
MAX_BODY_BYTES = 16 * 1024
EVENTS = ("ringing", "answered", "ended", "missed")
FINAL = {Communication.Status.ENDED, Communication.Status.MISSED}
DIRECTIONS = {"inbound": Communication.Direction.INBOUND, "outbound": Communication.Direction.OUTBOUND}
INCOMING_CALL_KIND = "crm.incoming_call"
register_kind(INCOMING_CALL_KIND, gettext_noop("Incoming calls from your customers"))


class SignatureRefused(BusinessError):
    status = 401
    code = "bad-signature"


class EventTooLarge(BusinessError):
    status = 413
    code = "too-large"


# --- the secret and the signature -----------------------------------------------------------


@transaction.atomic
def rotate_secret(company: Company, actor: User | None) -> str:
    """A new signing secret for the company's phone system (the old one stops working)."""
    secret = secrets.token_urlsafe(32)
    CallSettings.objects.update_or_create(
        company=company, defaults={"secret": secret, "rotated_by": _person(actor)}
    )
    return secret


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a provider sends: ``t=<timestamp>,v1=<hex digest>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(company_code: str, header: str | None, body: bytes, *, now: float | None = None) -> Company:
    """The company whose secret signed ``body``; :class:`SignatureRefused` otherwise (the same
    answer for an unknown company, so that codes cannot be probed)."""
    refused = SignatureRefused(_("The call event is not signed with this company's secret."))
    if len(body) > MAX_BODY_BYTES:
        raise EventTooLarge(_("A call event is at most %(n)d bytes.") % {"n": MAX_BODY_BYTES})
    if not header or len(header) > 512:
        raise refused
    parts = dict(item.strip().partition("=")[::2] for item in header.split(","))
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or len(timestamp) > 12 or not given:
        raise refused
    window = settings.TANDEM_CRM_CALL_EVENT_WINDOW
    if abs((now if now is not None else time.time()) - int(timestamp)) > window:
        raise SignatureRefused(_("The call event is too old (or from the future): it is refused."))
    row = CallSettings.objects.select_related("company").filter(company__code=str(company_code)[:32]).first()
    expected = sign(row.secret if row else secrets.token_hex(16), int(timestamp), body).partition("v1=")[2]
    if row is None or not hmac.compare_digest(expected, given):
        raise refused
    return row.company


# --- the event ------------------------------------------------------------------------------


def _person(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _text(payload: Mapping[str, Any], name: str, errors: dict[str, list[str]], *, limit: int) -> str:
    value = payload.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = [_("Enter text.")]
        return ""
    if len(value) > limit:
        errors[name] = [_("This value is too long.")]
    return value.strip()


def clean_event(payload: Any) -> dict[str, Any]:
    """The call event, checked: a clear error per field, nothing written."""
    if not isinstance(payload, Mapping):
        raise ValidationFailed({"non_field_errors": [_("The call event must be a JSON object.")]})
    errors: dict[str, list[str]] = {}
    call_id = _text(payload, "call_id", errors, limit=200)
    if not call_id and "call_id" not in errors:
        errors["call_id"] = [_("This field is required.")]
    event = payload.get("event")
    if event not in EVENTS:
        errors["event"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(EVENTS)}]
    direction = payload.get("direction")
    if direction not in DIRECTIONS:
        errors["direction"] = [_("Choose one of: %(choices)s.") % {"choices": "inbound, outbound"}]
    caller = _text(payload, "caller", errors, limit=40)
    callee = _text(payload, "callee", errors, limit=40)
    started = payload.get("started_at")
    started_at: datetime | None = None
    if started not in (None, ""):
        try:
            started_at = parse_datetime(started) if isinstance(started, str) else None
        except ValueError:
            started_at = None
        if started_at is None or started_at.tzinfo is None:
            errors["started_at"] = [_("Enter a date and time with its offset (ISO 8601).")]
    duration = payload.get("duration")
    if duration in (None, ""):
        duration = None
    elif isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= 86400:
        errors["duration"] = [_("Enter the seconds the call lasted, up to a day.")]
    recording = _text(payload, "recording_url", errors, limit=500)
    if recording and not safe_recording_url(recording):
        errors["recording_url"] = [_("A recording is an https address.")]
    unknown = set(payload) - {"call_id", "event", "direction", "caller", "callee", "started_at",
                              "duration", "recording_url"}  # fmt: skip
    if unknown:
        errors["non_field_errors"] = [
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(map(str, unknown)))[:200]}
        ]
    if errors:
        raise ValidationFailed(errors)
    return {
        "call_id": call_id, "event": event, "direction": DIRECTIONS[str(direction)], "caller": caller,
        "callee": callee, "started_at": started_at, "duration": duration, "recording_url": recording,
    }  # fmt: skip


def receive_event(company: Company, payload: Any) -> Communication:
    """Record one verified call event; the same event again changes nothing."""
    data = clean_event(payload)
    try:
        return _receive(company, data)
    except IntegrityError:  # the same call's first event, recorded meanwhile by another request
        return _receive(company, data)


@transaction.atomic
def _receive(company: Company, data: dict[str, Any]) -> Communication:
    inbound = data["direction"] == Communication.Direction.INBOUND
    caller, callee = e164(data["caller"]), e164(data["callee"])
    number = caller if inbound else callee
    call = (
        Communication.objects.select_for_update()
        .filter(company=company, channel=Communication.Channel.CALL, external_id=data["call_id"])
        .first()
    )
    if call is None:
        matched = partner_by_phone(company, number)
        with transaction.atomic():  # a savepoint: a concurrent first event raises IntegrityError
            call = Communication.objects.create(
                company=company,
                channel=Communication.Channel.CALL,
                direction=data["direction"],
                status=Communication.Status.RINGING,
                external_id=data["call_id"],
                partner=card_of(matched) if matched else None,
                sender=caller or data["caller"][:40],
                recipients=[callee or data["callee"][:40]],
                occurred_at=data["started_at"] or timezone.now(),
            )
        call._matched = matched  # type: ignore[attr-defined]
        if matched is None and number:
            call.lead = open_lead(
                company, reference=data["call_id"], source="call", name=number, phone=number,
                notes=_("Called on %(when)s.") % {"when": call.occurred_at.isoformat()},
            )  # fmt: skip
            call.save(update_fields=["lead"])
    matched = getattr(call, "_matched", None) or call.partner
    if call.status in FINAL:
        return call  # the call is logged: a late or repeated event changes nothing
    event = data["event"]
    if event == "ringing":
        if inbound and call.notified_at is None and call.partner is not None:
            _ring(call, matched or call.partner, number)
        return call
    changes: dict[str, Any] = {"status": event}
    if data["duration"] is not None:
        changes["duration_seconds"] = data["duration"]
    if data["recording_url"]:
        changes["recording_url"] = data["recording_url"]
    for name, value in changes.items():
        setattr(call, name, value)
    if event in FINAL and call.partner is not None:
        call.activity = _log_call(company, call, matched or call.partner, number)
    call.save()
    return call


def _ring(call: Communication, partner: Partner, number: str) -> None:
    person = salesperson_of(partner)
    if person is not None:
        notify(
            person,
            kind=INCOMING_CALL_KIND,
            title=Message(gettext_noop("Incoming call from %(caller)s"), {"caller": str(partner)}),
            body=Message(gettext_noop("%(number)s is calling."), {"number": number or call.sender}),
            link=call.partner.get_absolute_url() if call.partner else "",
            company=call.company,
        )
    Communication.objects.filter(pk=call.pk).update(notified_at=timezone.now())
    call.notified_at = timezone.now()


def _log_call(company: Company, call: Communication, partner: Partner, number: str) -> Activity:
    seconds = call.duration_seconds or 0
    answered = call.status == Communication.Status.ENDED and seconds > 0
    inbound = call.direction == Communication.Direction.INBOUND
    subject = (
        _("Call from %(who)s") % {"who": partner} if inbound else _("Call to %(who)s") % {"who": partner}
    )
    outcome = _("Answered: %(seconds)s s") % {"seconds": seconds} if answered else _("Missed")
    ended = call.occurred_at + timedelta(seconds=seconds)
    return services.log_activity(
        company,
        None,
        done_at=min(ended, timezone.now()) if ended > call.occurred_at else call.occurred_at,
        kind=Activity.Kind.CALL,
        subject=subject[:200],
        partner=call.partner,
        assignee=salesperson_of(partner),
        duration=math.ceil(seconds / 60) if answered else None,
        outcome=outcome,
        notes=_("Number: %(number)s") % {"number": number or call.sender},
    )
