"""Sending a quotation: numbered, a fresh customer link, e-mailed with its PDF."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tandem.core.models import User
from tandem.core.notifications import services as notifications
from tandem.core.states import transition
from tandem.sales.models import SalesOrder
from tandem.sales.services.acceptance import _new_link, link_url
from tandem.sales.services.common import EDITABLE, OrderNotEditable
from tandem.sales.services.orders import _not_accepted, _numbered
from tandem.sales.services.pdf import document_title, order_pdf, pdf_name


def send_order(
    order: SalesOrder, actor: User | None, *, to: Sequence[str] = (), email: bool = True
) -> SalesOrder:
    """Number the quotation and mark it sent; with an address (given, the contact's or the
    customer's) it goes by e-mail with its PDF, in the customer's language (``email=False``:
    only marked sent, handed over another way). The sending is on the customer's timeline."""
    with transaction.atomic():
        locked = (
            SalesOrder.objects.select_for_update(of=("self",))
            .select_related("partner", "contact", "company")
            .get(pk=order.pk)
        )
        if locked.state not in EDITABLE:
            raise OrderNotEditable(
                _("Only a quotation is sent; this order is “%(state)s”.")
                % {"state": locked.get_state_display()}
            )
        _not_accepted(locked)
        number = _numbered(locked)
        link = _new_link(locked, actor)
        addresses = [
            a for a in (to or [(locked.contact.email if locked.contact else ""), locked.partner.email]) if a
        ][:1]
        if to:
            addresses = [a for a in to if a]
        if not email:
            addresses = []
        if addresses:
            language = locked.partner.language or locked.company.language
            with translation.override(language):
                title = document_title(locked)
                subject = f"{title} {number} — {locked.company.name}"
                text = _(
                    "Hello,\n\nplease find attached our %(title)s %(number)s.\n\n"
                    "You can read it online and accept or decline it here (the link works until %(date)s):\n"
                    "%(url)s\n\nKind regards,\n%(company)s\n"
                ) % {
                    "title": title.lower(),
                    "number": number,
                    "company": locked.company.name,
                    "url": link_url(link),
                    "date": date_format(timezone.localtime(link.expires_at), "DATE_FORMAT"),
                }
            notifications.send_email(
                to=addresses,
                subject=subject,
                text=text,
                company=locked.company,
                partner=locked.partner,
                actor=actor,
                attachments=[(pdf_name(locked), order_pdf(locked), "application/pdf")],
            )
        transition(
            locked,
            "sent",
            actor,
            data={"number": number, "to": addresses, "link": link.pk, "expires": link.expires_at.isoformat()},
        )
    order.refresh_from_db()
    return order
