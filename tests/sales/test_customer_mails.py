"""Customers are told: the hotel chose its order e-mails (Sam sets them on its card); confirming
the order e-mails the confirmation with the order's PDF, each shipment its delivery note, each
posted invoice the invoice — each on the customer's timeline. Nobody who chose nothing is
e-mailed, and a contact person's choice counts before the customer's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tandem.accounting.models import Tax
from tandem.accounting.services import invoices as accounting
from tandem.catalog.models import Product
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import OutgoingEmail
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import MailPreference
from tests.sales.conftest import quotation
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


def mailed(kind: str) -> list[Event]:
    return list(Event.objects.filter(name="salesorder.customer_mailed", data__kind=kind).order_by("id"))


def choose(partner: Partner, actor: User, **kinds: bool) -> None:
    wanted = {"confirmation": True, "shipment": True, "invoice": True, **kinds}
    services.set_mail_preference(partner.company, actor, partner=partner, **wanted)


def test_nobody_who_chose_nothing_is_e_mailed(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> None:
    order = quotation(company, salesperson, customer, (chair, "2"), order_date=timezone.localdate())
    services.confirm_order(order, salesperson)
    assert not OutgoingEmail.objects.exists() and not mailed("confirmation")


def test_the_confirmation_each_shipment_and_the_invoice_are_e_mailed_and_on_the_timeline(
    company: Company,
    salesperson: User,
    admin: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    choose(customer, salesperson)
    order = quotation(
        company, salesperson, customer, (chair, "4"), order_date=timezone.localdate(), taxes=[vat]
    )
    services.confirm_order(order, salesperson)
    order.refresh_from_db()
    [confirmation] = OutgoingEmail.objects.filter(partner_id=customer.pk)
    assert confirmation.to == ["orders@wawel.example"] and order.number in confirmation.subject
    assert confirmation.attachments.get().name == services.pdf_name(order)
    [event] = mailed("confirmation")
    assert event.partner_id == customer.pk and event.data["to"] == ["orders@wawel.example"]

    delivery = Transfer.objects.get(pk=order.delivery_id)
    moves = {m.product_id: m for m in delivery.moves.all()}
    inventory.validate_transfer(delivery, {moves[chair.pk].pk: 3}, admin)  # a backorder of one
    [backorder] = Transfer.objects.filter(backorder_of=delivery)
    inventory.validate_transfer(backorder, None, admin)
    shipments = mailed("shipment")
    assert [e.data["document"] for e in shipments] == [delivery.number, backorder.number]
    with translation.override(order.partner.language or order.company.language):  # the customer's
        subject = gettext("Your order %(number)s has shipped — %(company)s") % {
            "number": order.number,
            "company": order.company.name,
        }
    notes = OutgoingEmail.objects.filter(subject=subject).order_by("id")
    assert [email.attachments.get().name for email in notes] == [
        f"{delivery.number.replace('/', '-')}.pdf",
        f"{backorder.number.replace('/', '-')}.pdf",
    ]

    invoice = services.invoice_order(order, admin)
    assert not mailed("invoice")  # a draft is not sent
    accounting.post_invoice(invoice, admin)
    invoice.refresh_from_db()
    [sent] = mailed("invoice")
    assert sent.data["document"] == invoice.number
    assert Event.objects.filter(name="invoice.sent", partner_id=customer.pk).exists()
    assert OutgoingEmail.objects.filter(partner_id=customer.pk).count() == 4


def test_the_contact_persons_choice_counts_before_the_customers(
    company: Company,
    salesperson: User,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    make_partner: Callable[..., Partner],
) -> None:
    buyer = make_partner("Ewa Nowak", kind="person", organisation=customer, email="ewa@wawel.example")
    choose(customer, salesperson)
    choose(buyer, salesperson, confirmation=False)
    today = timezone.localdate()
    services.confirm_order(
        quotation(company, salesperson, customer, (chair, "1"), order_date=today, contact=buyer), salesperson
    )
    assert not mailed("confirmation")
    MailPreference.objects.filter(partner=buyer).delete()  # no choice of her own: the hotel's counts
    services.confirm_order(
        quotation(company, salesperson, customer, (chair, "1"), order_date=today, contact=buyer), salesperson
    )
    [event] = mailed("confirmation")
    assert event.data["to"] == ["ewa@wawel.example"]  # to her, the order's contact


def test_the_salesperson_chooses_them_on_the_customer_card(
    salesperson: User, other_salesperson: User, customer: Partner
) -> None:
    client = signed_in(salesperson)
    card = client.get(customer.get_absolute_url()).content.decode()
    page = reverse("sales:mail_preference", args=[customer.pk])
    assert "sales-mails" in card and page in card
    assert client.get(page).status_code == 200
    done = client.post(page, {"confirmation": "on", "invoice": "on"})
    assert done.status_code == 302
    chosen = MailPreference.objects.get(partner=customer)
    assert (chosen.confirmation, chosen.shipment, chosen.invoice) == (True, False, True)
    assert Event.objects.filter(name="mailpreference.changed", partner_id=customer.pk).exists()
    other = signed_in(other_salesperson)
    assert other.get(page).status_code == 404 and other.post(page, {"shipment": "on"}).status_code == 404
    assert MailPreference.objects.get(partner=customer).shipment is False


def test_hostile_choices_are_read_as_checkboxes(salesperson: User, customer: Partner) -> Any:
    page = reverse("sales:mail_preference", args=[customer.pk])
    answer = signed_in(salesperson).post(
        page, {"confirmation": "<script>", "shipment": "false", "extra": "1"}
    )
    assert answer.status_code == 302
    chosen = MailPreference.objects.get(partner=customer)
    assert (chosen.confirmation, chosen.shipment, chosen.invoice) == (True, False, False)
