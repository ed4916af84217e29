"""Telling the customer: their e-mail preferences, and the confirmation and shipment e-mails."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.notifications import services as notifications
from tandem.inventory.models import Transfer
from tandem.inventory.services import documents as transfer_documents
from tandem.partners.models import Partner
from tandem.sales import queries
from tandem.sales.models import MailPreference, SalesOrder
from tandem.sales.services.common import _may_see, _other_company, _user
from tandem.sales.services.pdf import order_pdf, pdf_name


@transaction.atomic
def set_mail_preference(
    company: Company, actor: User | None, *, partner: Partner, confirmation: Any, shipment: Any, invoice: Any
) -> MailPreference:
    """Which order e-mails ``partner`` (a customer or one of its people) gets."""
    if _other_company(partner, company) or not _may_see(actor, partner):
        raise ValidationFailed({"partner": [_("This choice belongs to another company.")]})
    values = {"confirmation": bool(confirmation), "shipment": bool(shipment), "invoice": bool(invoice)}
    row, _created = MailPreference.objects.update_or_create(company=company, partner=partner, defaults=values)
    events.record("mailpreference.changed", partner, actor, values)
    return row


def _mail_address(order: SalesOrder, kind: str) -> str:
    """Where an order e-mail of ``kind`` goes: to the order's contact person, or the customer,
    when the preference (the contact's, else the customer's) asks for it; "" when it does not
    (nobody is e-mailed without having chosen so) or there is no address."""
    people = [p for p in (order.contact, order.partner) if p is not None]
    chosen = next((row for row in map(queries.mail_preference, people) if row is not None), None)
    if chosen is None or not getattr(chosen, kind):
        return ""
    return next((p.email for p in people if p.email), "")


def _log_mail(
    order: SalesOrder, kind: str, address: str, subject: str, document: str, actor: User | None
) -> None:
    events.record(
        "salesorder.customer_mailed",
        order,
        actor,
        {"number": order.number, "kind": kind, "to": [address], "subject": subject, "document": document},
    )


def _mail_confirmation(order: SalesOrder, actor: User | None) -> None:
    address = _mail_address(order, "confirmation")
    if not address:
        return
    language = order.partner.language or order.company.language
    with translation.override(language):
        subject = _("Order confirmation %(number)s — %(company)s") % {
            "number": order.number,
            "company": order.company.name,
        }
        text = _(
            "Hello,\n\nthank you for your order %(number)s of %(total)s %(currency)s: we confirm it. "
            "We expect to deliver it on %(date)s.\n\nKind regards,\n%(company)s\n"
        ) % {
            "number": order.number,
            "total": order.amount_total,
            "currency": order.currency_id,
            "date": date_format(order.promised_date or order.order_date, "DATE_FORMAT"),
            "company": order.company.name,
        }
    notifications.send_email(
        to=[address],
        subject=subject,
        text=text,
        company=order.company,
        partner=order.partner,
        actor=_user(actor),
        attachments=[(pdf_name(order), order_pdf(order), "application/pdf")],
    )
    _log_mail(order, "confirmation", address, subject, order.number, actor)


def _mail_shipment(order: SalesOrder, transfer: Transfer, actor: User | None) -> None:
    address = _mail_address(order, "shipment")
    if not address:
        return
    language = order.partner.language or order.company.language
    with translation.override(language):
        subject = _("Your order %(number)s has shipped — %(company)s") % {
            "number": order.number,
            "company": order.company.name,
        }
        text = _(
            "Hello,\n\nyour order %(number)s has left our warehouse; its delivery note %(transfer)s "
            "is attached.\n\nKind regards,\n%(company)s\n"
        ) % {"number": order.number, "transfer": transfer.number, "company": order.company.name}
    note = transfer_documents.transfer_pdf(transfer)
    notifications.send_email(
        to=[address],
        subject=subject,
        text=text,
        company=order.company,
        partner=order.partner,
        actor=_user(actor),
        attachments=[(transfer_documents.pdf_name(transfer), note, "application/pdf")],
    )
    _log_mail(order, "shipment", address, subject, transfer.number, actor)
