"""The customer's link: opening, accepting (typed name and drawn signature), declining, revoking."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import logging
import unicodedata
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image

from tandem.core import events
from tandem.core.errors import BusinessError, ValidationFailed
from tandem.core.messages import Message
from tandem.core.models import User
from tandem.core.notifications import services as notifications
from tandem.sales import queries
from tandem.sales.models import AcceptanceLink, QuotationResponse, SalesOrder
from tandem.sales.services.common import S, _user
from tandem.sales.services.confirmation import approval_reasons, confirm_order

log = logging.getLogger(__name__)

LINK_SALT = "tandem.sales.customer-link"
NAME_MAX = 120
REASON_MAX = 2000
SIGNATURE_MAX_BYTES = 64 * 1024  # the drawn PNG, after decoding
SIGNATURE_MAX_PIXELS = (2000, 1000)  # width, height
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL = "data:image/png;base64,"
ANSWERED_KIND = "sales.quotation_answered"
notifications.register_kind(ANSWERED_KIND, gettext_noop("Quotations your customers accepted or declined"))


class LinkInvalid(BusinessError):
    """A token that is not one of ours (mistyped, cut, tampered with)."""

    status = 404
    code = "link-invalid"


class LinkClosed(BusinessError):
    """A link that worked once: expired, revoked, answered, or its quotation no longer open."""

    status = 410
    code = "link-closed"


class LinkAnswered(BusinessError):
    status = 409
    code = "link-answered"


def link_token(link: AcceptanceLink) -> str:
    """The signed token of the customer's link (``django.core.signing``: only we can make one)."""
    return signing.dumps({"l": link.pk}, salt=LINK_SALT)


def link_url(link: AcceptanceLink) -> str:
    return settings.TANDEM_BASE_URL + reverse("sales:customer_quotation", args=[link_token(link)])


def _new_link(order: SalesOrder, actor: User | None) -> AcceptanceLink:
    """A fresh link for a quotation being sent: the earlier ones stop working."""
    now = timezone.now()
    AcceptanceLink.objects.filter(order=order, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=_user(actor)
    )
    days = queries.settings_of(order.company).link_days
    return AcceptanceLink.objects.create(
        company=order.company,
        order=order,
        created_by=_user(actor),
        expires_at=now + datetime.timedelta(days=days),
    )


def read_link(token: Any) -> AcceptanceLink:
    """The link ``token`` names, while it still opens its quotation; otherwise the refusal says
    why (``LinkInvalid``: not ours; ``LinkClosed``: expired or revoked). Reads only."""
    try:
        data = signing.loads(str(token)[:512], salt=LINK_SALT)
        pk = int(data["l"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid(
            _("This link is not valid: check that it was copied whole, or ask for a new one.")
        ) from None
    link = (
        AcceptanceLink.objects.select_related(
            "company", "order__company", "order__partner", "order__currency", "order__salesperson"
        )
        .filter(pk=pk)
        .first()
    )
    if link is None:
        raise LinkInvalid(_("This link is not valid: check that it was copied whole, or ask for a new one."))
    company = link.order.company.name
    if link.revoked_at is not None:
        raise LinkClosed(
            _("This link was withdrawn by %(company)s: ask them for a new one.") % {"company": company}
        )
    if link.expires_at <= timezone.now():
        raise LinkClosed(
            _("This link expired on %(date)s: ask %(company)s for a new one.")
            % {"date": date_format(timezone.localtime(link.expires_at), "DATE_FORMAT"), "company": company}
        )
    if link.order.state == S.CANCELLED:
        raise LinkClosed(_("This quotation was cancelled by %(company)s.") % {"company": company})
    return link


def _answerable(link: AcceptanceLink, order: SalesOrder, version: Any) -> None:
    """Refuse an answer the quotation can no longer take (nothing is written)."""
    if order.state in queries.CONFIRMED_STATES:
        raise LinkAnswered(_("This quotation is already confirmed."))
    if order.state == S.CANCELLED:
        raise LinkClosed(_("This quotation was cancelled."))
    if QuotationResponse.objects.filter(link=link).exists():
        raise LinkAnswered(_("This quotation was already answered through this link."))
    if QuotationResponse.objects.filter(order=order, answer=QuotationResponse.Answer.ACCEPTED).exists():
        raise LinkAnswered(_("This quotation was already accepted."))
    if queries.expired(order):
        raise LinkClosed(
            _("This quotation was valid until %(date)s: ask for a new one.")
            % {"date": date_format(order.validity_date or order.order_date, "DATE_FORMAT")}
        )
    if version not in (None, "") and str(version) != str(order.version):
        raise LinkAnswered(_("The quotation was changed while you read it: read it again, then answer."))


def _plain_text(
    value: Any, key: str, limit: int, errors: dict[str, list[str]], *, lines: bool = False
) -> str:
    """Text as a person types it: no markup, no control characters, at most ``limit`` long."""
    if not isinstance(value, str):
        return ""
    text = (
        "\n".join(" ".join(row.split()) for row in value.splitlines()).strip()
        if lines
        else " ".join(value.split())
    )
    if len(text) > limit:
        errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
    elif (
        "<" in text
        or ">" in text
        or any(unicodedata.category(ch).startswith("C") for ch in text if ch != "\n")
    ):
        errors[key] = [_("Use plain text, without “<” or “>”.")]
    return text


def signature_png(value: Any, errors: dict[str, list[str]]) -> bytes:
    """The drawn signature (the canvas's ``data:image/png;base64,…``) as a clean PNG: decoded,
    bounded in bytes and pixels, read and written again by Pillow (nothing but the picture is
    kept), and not blank."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        errors["signature"] = [_("Draw your signature in the box.")]
        return b""
    unreadable = _("The signature is not a picture we can read: draw it again.")
    if len(text) > len(DATA_URL) + (SIGNATURE_MAX_BYTES * 4) // 3 + 4:
        errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
        return b""
    if not text.startswith(DATA_URL):
        errors["signature"] = [unreadable]
        return b""
    try:
        data = base64.b64decode(text[len(DATA_URL) :], validate=True)
    except (binascii.Error, ValueError):
        errors["signature"] = [unreadable]
        return b""
    if not data.startswith(PNG_MAGIC):
        errors["signature"] = [unreadable]
        return b""
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if not (0 < width <= SIGNATURE_MAX_PIXELS[0] and 0 < height <= SIGNATURE_MAX_PIXELS[1]):
                errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
                return b""
            image.verify()
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            picture = image.convert("RGBA")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        errors["signature"] = [unreadable]
        return b""
    if picture.getchannel("A").getbbox() is None:
        errors["signature"] = [_("Draw your signature in the box.")]
        return b""
    clean = io.BytesIO()
    picture.save(clean, format="PNG", optimize=True)
    if clean.tell() > SIGNATURE_MAX_BYTES:
        errors["signature"] = [_("The signature is too large: draw it again, smaller.")]
        return b""
    return clean.getvalue()


def _address(ip: Any) -> str | None:
    try:
        validate_ipv46_address(ip)
    except ValidationError:
        return None
    return str(ip)


def _tell_salesperson(order: SalesOrder, title: Message, body: Message) -> None:
    if order.salesperson is not None:
        notifications.notify(
            order.salesperson,
            kind=ANSWERED_KIND,
            title=title,
            body=body,
            link=order.get_absolute_url(),
            company=order.company,
        )


def _locked_for_answer(token: Any, version: Any) -> tuple[AcceptanceLink, SalesOrder]:
    link = read_link(token)
    order = (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("company", "partner", "salesperson", "currency")
        .get(pk=link.order_id)
    )
    _answerable(link, order, version)
    return link, order


def accept_quotation(
    token: Any, *, name: Any, signature: Any, ip: Any = None, version: Any = None
) -> QuotationResponse:
    """The customer accepts the quotation their link opens, with their typed name and drawn
    signature. Recorded (with the address it came from) on the customer's timeline; the
    salesperson is told. Per the company's setting the order is confirmed at once, unless it
    needs approval (credit or discount limit) or cannot be confirmed now: then it waits
    for its salesperson. Two acceptances at once confirm once (the order's row lock); refused,
    nothing is written."""
    errors: dict[str, list[str]] = {}
    signer = _plain_text(name, "name", NAME_MAX, errors)
    if not signer and "name" not in errors:
        errors["name"] = [_("Type your name.")]
    picture = signature_png(signature, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        link, order = _locked_for_answer(token, version)
        response = QuotationResponse.objects.create(
            company=order.company,
            order=order,
            link=link,
            answer=QuotationResponse.Answer.ACCEPTED,
            name=signer,
            signature=picture,
            ip=_address(ip),
        )
        events.record(
            "salesorder.accepted",
            order,
            None,
            {
                "number": order.number,
                "name": signer,
                "address": response.ip or "",
                "signature": hashlib.sha256(picture).hexdigest(),
                "response": response.pk,
            },
        )
        waiting = ""
        if not queries.settings_of(order.company).acceptance_confirms:
            waiting = gettext_noop("The company's settings leave the confirmation to you.")
        elif approval_reasons(order):
            waiting = gettext_noop("It needs a sales manager to confirm it (credit or discount limit).")
        else:
            try:
                with transaction.atomic():
                    confirm_order(order, None)
            except BusinessError as refused:
                log.warning("sales: accepted order %s not confirmed: %s", order.pk, refused.message)
                waiting = gettext_noop("It could not be confirmed at once: open it to confirm it.")
        params = {"number": order.number, "customer": str(order.partner), "name": signer}
        _tell_salesperson(
            order,
            Message(gettext_noop("%(customer)s accepted quotation %(number)s"), params),
            Message(waiting or gettext_noop("Signed by %(name)s; the order is confirmed."), params),
        )
    order.refresh_from_db()
    return response


def decline_quotation(
    token: Any, *, reason: Any, name: Any = "", ip: Any = None, version: Any = None
) -> QuotationResponse:
    """The customer declines the quotation their link opens, saying why. The quotation stays
    sent for its salesperson to revise (and send again) or cancel; the link is used up."""
    errors: dict[str, list[str]] = {}
    text = _plain_text(reason, "reason", REASON_MAX, errors, lines=True)
    if not text and "reason" not in errors:
        errors["reason"] = [_("Tell us why, so that we can do better.")]
    signer = _plain_text(name, "name", NAME_MAX, errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        link, order = _locked_for_answer(token, version)
        response = QuotationResponse.objects.create(
            company=order.company,
            order=order,
            link=link,
            answer=QuotationResponse.Answer.DECLINED,
            name=signer,
            reason=text,
            ip=_address(ip),
        )
        events.record(
            "salesorder.declined",
            order,
            None,
            {
                "number": order.number,
                "name": signer,
                "address": response.ip or "",
                "text": text,
                "response": response.pk,
            },
        )
        params = {"number": order.number, "customer": str(order.partner), "reason": text[:500]}
        _tell_salesperson(
            order,
            Message(gettext_noop("%(customer)s declined quotation %(number)s"), params),
            Message(gettext_noop("Their reason: %(reason)s"), params),
        )
    return response


def revoke_links(order: SalesOrder, actor: User | None) -> int:
    """Stop the quotation's customer links at once (sent to the wrong address, say)."""
    with transaction.atomic():
        locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
        count = AcceptanceLink.objects.filter(
            order=locked, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(revoked_at=timezone.now(), revoked_by=_user(actor))
        if not count:
            raise BusinessError(_("This quotation has no link that works."))
        events.record("salesorder.link_revoked", locked, actor, {"number": locked.number, "links": count})
    return count
