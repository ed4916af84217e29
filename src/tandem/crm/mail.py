"""E-mail on the customer card, both ways.

Out: :func:`send_email` sends from the card or a deal through the platform's outgoing e-mail
(``core.notifications``) and logs it as an e-mail activity. In: :func:`poll` reads the unread
messages of the mailbox configured by the environment (``crm.config``) over IMAP
(``imap-tools``), and :func:`ingest` logs each on the timeline of the partner its sender (or,
for mail a salesperson sent, its recipients) belongs to — subject, the body as plain text
(HTML reduced to text; shown escaped), attachments through ``core.attachments`` and its
checks — once per Message-ID. A stranger's message opens a lead. A message too large, a
malformed one or a refused attachment never stops the poll: each is counted and reported.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage, MailMessageFlags

from tandem.core.attachments import services as attachments
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.notifications import services as outgoing
from tandem.crm import services
from tandem.crm.capture import card_of, open_lead, partners_by_email, salesperson_of
from tandem.crm.models import Activity, Communication, Deal
from tandem.partners.models import Partner

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 100_000
MAX_ATTACHMENTS = 20
MAX_ADDRESSES = 100
_SCRIPTS = re.compile(r"<(script|style|head|template)\b.*?(</\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


# --- sending --------------------------------------------------------------------------------


@transaction.atomic
def send_email(
    company: Company,
    actor: User,
    *,
    to: Sequence[str] | str,
    subject: str,
    text: str,
    partner: Partner | None = None,
    deal: Deal | None = None,
) -> Communication:
    """Send an e-mail to a customer (from the card) or about a deal, and log it on the timeline."""
    if deal is not None:
        if deal.company_id != company.pk or not Deal.objects.visible_to(actor).filter(pk=deal.pk).exists():
            raise ValidationFailed({"deal": [_("You cannot see this record.")]})
        partner = deal.partner
    if partner is None:
        raise ValidationFailed({"partner": [_("Choose the customer.")]})
    if (
        partner.company_id != company.pk
        or not Partner.objects.visible_to(actor).filter(pk=partner.pk).exists()
    ):
        raise ValidationFailed({"partner": [_("You cannot see this record.")]})
    text = _CONTROL.sub("", str(text or ""))[:MAX_BODY_CHARS]
    email = outgoing.send_email(
        to=[to] if isinstance(to, str) else list(to), subject=subject, text=text, company=company,
        partner=partner, actor=actor,
    )  # fmt: skip
    activity = services.log_activity(
        company, actor, kind=Activity.Kind.EMAIL, subject=email.subject[:200],
        deal=deal, partner=None if deal is not None else partner, notes=text,
        outcome=(_("Sent to %(to)s") % {"to": ", ".join(email.to)})[:480],
    )  # fmt: skip
    return Communication.objects.create(
        company=company, channel=Communication.Channel.EMAIL, direction=Communication.Direction.OUTBOUND,
        status=Communication.Status.SENT, external_id=email.message_id[:255], partner=card_of(partner),
        activity=activity, sender=email.from_email[:254], recipients=list(email.to), subject=email.subject,
        occurred_at=activity.done_at or timezone.now(),
    )  # fmt: skip


# --- reading a message ----------------------------------------------------------------------


def body_text(plain: str, markup: str) -> str:
    """The message's text as plain text: the text part, else the HTML without scripts, styles
    or tags; control and bidi-override characters removed. Shown escaped like any text."""
    text = plain or ""
    if not text.strip() and markup:
        stripped = _SCRIPTS.sub(" ", markup[: MAX_BODY_CHARS * 4])
        text = html.unescape(strip_tags(_BREAKS.sub("\n", stripped)))
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:MAX_BODY_CHARS]


def _header(message: MailMessage, name: str) -> str:
    try:
        values = message.headers.get(name) or ("",)
    except Exception:
        return ""
    return _CONTROL.sub("", " ".join(str(values[0]).split()))


def message_id(message: MailMessage, raw: bytes = b"") -> str:
    """The Message-ID (its first ``<…>``), or a digest of the message when it has none."""
    value = _header(message, "message-id")
    found = re.search(r"<[^<>\s]{1,240}>", value)
    if found:
        return found.group(0)
    if value and len(value) <= 240 and " " not in value:
        return value
    seed = raw or "\n".join(
        [_header(message, n) for n in ("from", "to", "date", "subject")] + [_safe(lambda: message.text)]
    ).encode("utf-8", "replace")
    return "sha256:" + hashlib.sha256(seed).hexdigest()


def _safe(read: Any, default: Any = "") -> Any:
    try:
        return read()
    except Exception:
        return default


def _addresses(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    found = []
    for _name, address in getaddresses([str(v)[:2000] for v in (values or ())][:MAX_ADDRESSES]):
        address = _CONTROL.sub("", address).strip().lower()
        if "@" in address and len(address) <= 254 and " " not in address:
            found.append(address)
    return list(dict.fromkeys(found))[:MAX_ADDRESSES]


def _when(message: MailMessage) -> datetime:
    date = _safe(lambda: message.date, None)
    now = timezone.now()
    if not isinstance(date, datetime) or date.year < 1990:
        return now
    if timezone.is_naive(date):
        date = timezone.make_aware(date, timezone.get_default_timezone())
    return min(date, now + timedelta(days=1))


def _staff(company: Company, address: str) -> User | None:
    if not address:
        return None
    return User.objects.filter(email__iexact=address, is_active=True, companies=company).first()


# --- capture --------------------------------------------------------------------------------


def ingest_bytes(company: Company, raw: bytes) -> tuple[str, Communication | None]:
    """:func:`ingest` for a message as bytes (an .eml file, a test)."""
    return ingest(company, MailMessage.from_bytes(raw), raw=raw)


def ingest(company: Company, message: MailMessage, *, raw: bytes = b"") -> tuple[str, Communication | None]:
    """Log one received message. Returns what happened — ``"logged"``, ``"duplicate"``,
    ``"lead"`` or ``"unmatched"`` — and the communication kept."""
    external_id = message_id(message, raw)
    if Communication.objects.filter(
        company=company, channel=Communication.Channel.EMAIL, external_id=external_id
    ).exists():
        return "duplicate", None
    try:
        return _ingest(company, message, external_id)
    except IntegrityError:  # the same message, logged meanwhile by another poll
        return "duplicate", None


@transaction.atomic
def _ingest(company: Company, message: MailMessage, external_id: str) -> tuple[str, Communication | None]:
    sender = (_addresses(_header(message, "from")) or [""])[0]
    recipients = _addresses([_header(message, "to"), _header(message, "cc")])
    subject = _header(message, "subject")[:255] or _("(no subject)")
    subject = _safe(lambda: " ".join(str(message.subject).split()), subject)[:255] or subject
    subject = _CONTROL.sub("", subject)
    text = body_text(_safe(lambda: message.text), _safe(lambda: message.html))
    when = _when(message)
    known = partners_by_email(company, [sender, *recipients])
    staff = _staff(company, sender)
    outbound = staff is not None
    partner = next((known[a] for a in recipients if a in known), None) if outbound else known.get(sender)
    communication = Communication(
        company=company, channel=Communication.Channel.EMAIL, external_id=external_id,
        direction=Communication.Direction.OUTBOUND if outbound else Communication.Direction.INBOUND,
        status=Communication.Status.SENT if outbound else Communication.Status.RECEIVED,
        partner=card_of(partner) if partner else None, sender=sender, recipients=recipients,
        subject=subject, occurred_at=when,
    )  # fmt: skip
    with transaction.atomic():
        communication.save()
    if partner is None:
        outcome = "unmatched"
        if not outbound and sender:
            name = _safe(lambda: message.from_values.name if message.from_values else "", "") or sender
            communication.lead = open_lead(
                company, reference=external_id, source="email", name=_CONTROL.sub("", str(name))[:200],
                email=sender, notes=f"{subject}\n\n{text}"[:5000],
            )  # fmt: skip
            if communication.lead is not None:
                outcome = "lead"
                communication.save(update_fields=["lead"])
        return outcome, communication
    deal = _deal_replied_to(company, message, partner)
    activity = services.log_activity(
        company, None, done_at=when, kind=Activity.Kind.EMAIL, subject=subject[:200],
        deal=deal, partner=None if deal is not None else card_of(partner),
        assignee=staff or salesperson_of(partner), notes=text,
        outcome=(_("Sent to %(to)s") if outbound else _("Received from %(from)s"))
        % {"to": ", ".join(recipients)[:400], "from": sender},
    )  # fmt: skip
    communication.activity = activity
    communication.attachments_refused = _attach(activity, message)
    communication.save(update_fields=["activity", "attachments_refused"])
    return "logged", communication


def _deal_replied_to(company: Company, message: MailMessage, partner: Partner) -> Deal | None:
    """The open deal an e-mail sent from the CRM was about, when this message answers it."""
    references = re.findall(
        r"<[^<>\s]{1,240}>", f"{_header(message, 'in-reply-to')} {_header(message, 'references')}"
    )
    if not references:
        return None
    sent = (
        Communication.objects.filter(
            company=company,
            channel=Communication.Channel.EMAIL,
            external_id__in=references[-20:],
            activity__deal__isnull=False,
            activity__deal__state=Deal.State.OPEN,
        )
        .select_related("activity__deal")
        .order_by("-occurred_at")
        .first()
    )
    if sent is None or sent.activity is None or sent.activity.deal is None:
        return None
    deal = sent.activity.deal
    return deal if deal.partner_id == card_of(partner).pk else None


def _attach(activity: Activity, message: MailMessage) -> list[dict[str, str]]:
    """Store the message's files on its activity through the attachments app and its checks;
    returns the refused ones, each with its reason."""
    refused: list[dict[str, str]] = []
    files = _safe(lambda: list(message.attachments), [])
    for index, part in enumerate(files):
        name = (
            _CONTROL.sub("", str(_safe(lambda p=part: p.filename) or ""))[:200] or f"attachment-{index + 1}"
        )
        if index >= MAX_ATTACHMENTS:
            refused.append({"name": name, "reason": _("More than %(n)d files.") % {"n": MAX_ATTACHMENTS}})
            continue
        payload = _safe(lambda p=part: p.payload, b"")
        try:
            attachments.attach(
                activity, name=name, content=payload or b"", actor=None,
                content_type=str(_safe(lambda p=part: p.content_type) or "")[:127] or None,
            )  # fmt: skip
        except BusinessError as refusal:
            refused.append({"name": name, "reason": refusal.message[:300]})
    return refused


# --- the mailbox ----------------------------------------------------------------------------


@contextmanager
def _mailbox(config: Mapping[str, Any]) -> Iterator[Any]:
    host, port, tls = config["host"], config["port"], config["tls"]
    timeout = float(config.get("timeout", 30))
    box: Any
    if tls == "ssl":
        box = MailBox(host, port, timeout=timeout)
    elif tls == "starttls":
        box = MailBoxStartTls(host, port, timeout=timeout)
    else:
        box = MailBoxUnencrypted(host, port, timeout=timeout)
    with box.login(config["user"], config["password"], initial_folder=config.get("folder") or "INBOX"):
        yield box


def _company(config: Mapping[str, Any]) -> Company:
    code = config.get("company") or ""
    if code:
        return Company.objects.get(code=code)
    companies = list(Company.objects.order_by("pk")[:2])
    if len(companies) != 1:
        raise BusinessError(
            _("Set TANDEM_CRM_IMAP_COMPANY: which company's partners the mail is matched to.")
        )
    return companies[0]


def poll(config: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Read the mailbox's unread messages, log each and mark it read. A message over the size
    limit is marked read and counted without its body being downloaded; one that fails stays
    unread for the next poll and is counted as failed."""
    config = config if config is not None else settings.TANDEM_CRM_MAILBOX
    counts: Counter[str] = Counter()
    if not config:
        return {"messages": 0}
    company = _company(config)
    limit = int(config.get("max_bytes") or 30 * 1024 * 1024)
    with _mailbox(config) as box:
        heads = list(box.fetch(AND(seen=False), headers_only=True, mark_seen=False, bulk=False))
        for head in heads:
            counts["messages"] += 1
            if not head.uid:
                counts["failed"] += 1
                continue
            if (head.size_rfc822 or 0) > limit:
                log.warning(
                    "crm mailbox: message %s is %s bytes, over %s: not read",
                    head.uid,
                    head.size_rfc822,
                    limit,
                )
                counts["too_large"] += 1
                box.flag([head.uid], MailMessageFlags.SEEN, True)
                continue
            try:
                message = next(iter(box.fetch(uid_list=[head.uid], mark_seen=False)), None)
                if message is None:
                    continue
                outcome, _kept = ingest(company, message)
            except Exception:  # one bad message must not stop the others
                log.exception("crm mailbox: message %s could not be logged", head.uid)
                counts["failed"] += 1
                continue
            counts[outcome] += 1
            box.flag([head.uid], MailMessageFlags.SEEN, True)
    return dict(counts)
