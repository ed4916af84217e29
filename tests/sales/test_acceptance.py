"""Quotations accepted online: Sam sends the hotel a quotation; the e-mail (in Polish, with the
PDF) carries a signed link; the hotel's buyer opens it without an account, downloads the PDF and
accepts by typing her name and drawing a signature — or declines, saying why. Links expire and
can be revoked; a tampered, expired or revoked link, a hostile name or signature, and a
quotation answered twice are refused with nothing written."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from tandem.catalog.models import Product
from tandem.core.models import Company, Event, User
from tandem.core.notifications import services as notifications
from tandem.core.notifications.models import Notification, OutgoingEmail
from tandem.inventory.models import Warehouse
from tandem.partners.models import Partner
from tandem.sales import services
from tandem.sales.models import AcceptanceLink, QuotationResponse, SalesOrder
from tests.sales.conftest import quotation, signature
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    cache.clear()  # the rate limit counts per address in the cache
    yield
    cache.clear()


@pytest.fixture
def sent(
    company: Company, salesperson: User, customer: Partner, chair: Product, warehouse: Warehouse
) -> tuple[SalesOrder, str]:
    order = quotation(company, salesperson, customer, (chair, "2"), order_date=timezone.localdate())
    services.send_order(order, salesperson)
    order.refresh_from_db()
    return order, services.link_token(AcceptanceLink.objects.get(order=order))


def url(token: str) -> str:
    return reverse("sales:customer_quotation", args=[token])


def accept(client: Client, token: str, **fields: Any) -> Any:
    return client.post(
        url(token), {"answer": "accept", "name": "Ewa Nowak", "signature": signature(), **fields}
    )


def written() -> tuple[int, int, int]:
    return (QuotationResponse.objects.count(), Event.objects.count(), Notification.objects.count())


def test_sending_mails_the_pdf_in_the_customer_language_with_a_signed_link(
    sent: tuple[SalesOrder, str], customer: Partner, mailoutbox: list[Any]
) -> None:
    order, _token = sent
    email = OutgoingEmail.objects.get(partner_id=customer.pk)
    notifications.deliver(email.pk, final_attempt=True)
    [message] = mailoutbox
    assert message.to == ["orders@wawel.example"]
    assert "Oferta" in message.subject and order.number in message.subject  # Polish: the customer's
    link = AcceptanceLink.objects.get(order=order)
    assert services.link_url(link).rsplit("/quotation/", 1)[0] in message.body
    [(name, content, mime)] = message.attachments
    assert (name, mime) == (services.pdf_name(order), "application/pdf") and content.startswith(b"%PDF")
    token = message.body.split("/quotation/", 1)[1].split("/", 1)[0]
    assert services.read_link(token) == link  # the link in the e-mail opens the quotation
    sent_event = Event.objects.get(name="salesorder.sent")
    assert sent_event.data["link"] == link.pk


def test_the_customer_opens_downloads_and_accepts_without_an_account(
    sent: tuple[SalesOrder, str], salesperson: User, customer: Partner
) -> None:
    order, token = sent
    browser = Client()
    page = browser.get(url(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert order.number in html and 'id="accept-form"' in html
    assert 'id="customer-total"' in html and "signature.js" in html
    pdf = browser.get(reverse("sales:customer_quotation_pdf", args=[token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    answered = accept(browser, token)
    assert answered.status_code == 302
    order.refresh_from_db()
    assert order.state == "confirmed" and order.delivery_id is not None
    response = QuotationResponse.objects.get(order=order)
    assert (response.answer, response.name, response.ip) == ("accepted", "Ewa Nowak", "127.0.0.1")
    assert bytes(response.signature).startswith(b"\x89PNG\r\n\x1a\n")
    accepted = Event.objects.get(name="salesorder.accepted")
    assert accepted.partner_id == customer.pk  # on the customer's timeline
    assert (accepted.data["name"], accepted.data["address"]) == ("Ewa Nowak", "127.0.0.1")
    assert len(accepted.data["signature"]) == 64
    assert Notification.objects.filter(recipient=salesperson, kind=services.ANSWERED_KIND).exists()
    again = browser.get(url(token)).content.decode()
    assert 'id="customer-accepted"' in again and 'id="accept-form"' not in again
    card = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-responses"' in card and "data:image/png;base64," in card


def test_a_second_acceptance_is_refused_and_writes_nothing(sent: tuple[SalesOrder, str]) -> None:
    order, token = sent
    assert accept(Client(), token).status_code == 302
    before = written()
    again = accept(Client(), token, name="Someone Else")
    with translation.override(order.partner.language or order.company.language):  # the customer's
        refusal = gettext("This quotation is already confirmed.")
    assert again.status_code == 409 and refusal in again.content.decode()
    assert written() == before
    assert SalesOrder.objects.get(pk=order.pk).state == "confirmed"


def test_acceptance_waits_for_the_salesperson_when_the_company_says_so(
    company: Company, sent: tuple[SalesOrder, str], salesperson: User, manager: User
) -> None:
    order, token = sent
    services.update_settings(company, manager, acceptance_confirms=False)
    assert accept(Client(), token).status_code == 302
    order.refresh_from_db()
    assert order.state == "sent" and QuotationResponse.objects.filter(order=order, answer="accepted").exists()
    with pytest.raises(services.OrderNotEditable):
        services.update_order(order, salesperson, customer_reference="changed after acceptance")
    with pytest.raises(services.OrderNotEditable):
        services.send_order(order, salesperson)
    services.confirm_order(order, salesperson)
    assert SalesOrder.objects.get(pk=order.pk).state == "confirmed"


def test_above_the_credit_limit_the_accepted_quotation_waits_for_a_sales_manager(
    company: Company, sent: tuple[SalesOrder, str], manager: User
) -> None:
    order, token = sent
    services.set_credit_limit(company, manager, partner=order.partner, amount="10")
    assert accept(Client(), token).status_code == 302
    order.refresh_from_db()
    assert order.state == "sent"
    note = Notification.objects.get(kind=services.ANSWERED_KIND)
    assert "sales manager" in note.body


def test_declining_records_the_reason_and_the_quotation_stays_to_revise(
    sent: tuple[SalesOrder, str], salesperson: User, customer: Partner
) -> None:
    order, token = sent
    refused = Client().post(url(token), {"answer": "decline", "reason": ""})
    assert refused.status_code == 400 and not QuotationResponse.objects.exists()
    answered = Client().post(url(token), {"answer": "decline", "reason": "Too expensive.\nWe need 4 chairs."})
    assert answered.status_code == 302
    response = QuotationResponse.objects.get()
    assert (response.answer, response.reason) == ("declined", "Too expensive.\nWe need 4 chairs.")
    assert Event.objects.filter(name="salesorder.declined", partner_id=customer.pk).exists()
    order.refresh_from_db()
    assert order.state == "sent"
    assert accept(Client(), token).status_code == 409  # the link is used up
    services.update_order(order, salesperson, customer_reference="revised")  # revise and send again
    services.send_order(order, salesperson)
    fresh = AcceptanceLink.objects.filter(order=order).order_by("-id").first()
    assert fresh is not None and accept(Client(), services.link_token(fresh)).status_code == 302


def _tampered(order: SalesOrder, token: str) -> str:
    return token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")


def _expired(order: SalesOrder, token: str) -> str:
    AcceptanceLink.objects.filter(order=order).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return token


def _revoked(order: SalesOrder, token: str) -> str:
    services.revoke_links(order, order.salesperson)
    return token


def _replaced(order: SalesOrder, token: str) -> str:
    services.send_order(order, order.salesperson)  # a new link: the old one stops working
    return token


def _garbage(order: SalesOrder, token: str) -> str:
    return "not-a-token"


@pytest.mark.parametrize(
    ("spoil", "status", "says"),
    [
        (_tampered, 404, "not valid"),
        (_garbage, 404, "not valid"),
        (_expired, 410, "expired"),
        (_revoked, 410, "withdrawn"),
        (_replaced, 410, "withdrawn"),
    ],
)
def test_an_expired_revoked_or_tampered_link_is_refused_writing_nothing(
    sent: tuple[SalesOrder, str], spoil: Any, status: int, says: str
) -> None:
    order, token = sent
    token = spoil(order, token)
    before = written()
    page = Client().get(url(token))
    assert page.status_code == status and says in page.content.decode()
    assert 'id="customer-refusal"' in page.content.decode()
    assert accept(Client(), token).status_code == status
    pdf = Client().get(reverse("sales:customer_quotation_pdf", args=[token]))
    assert pdf.status_code == status and pdf["Content-Type"].startswith("text/html")
    assert written() == before
    assert SalesOrder.objects.get(pk=order.pk).state == "sent"


def _oversize() -> str:
    return "data:image/png;base64," + "A" * 200_000


def _not_base64() -> str:
    return "data:image/png;base64,%%%not base64%%%"


def _gif() -> str:
    return signature(kind="GIF")


def _png_bomb() -> str:
    """A PNG header claiming 30000 × 30000 pixels."""
    return signature((3000, 20))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"signature": ""}, "signature"),
        ({"signature": _oversize()}, "signature"),
        ({"signature": _not_base64()}, "signature"),
        ({"signature": _gif()}, "signature"),
        ({"signature": _png_bomb()}, "signature"),
        ({"signature": signature(blank=True)}, "signature"),
        ({"signature": "javascript:alert(1)"}, "signature"),
        ({"name": ""}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": "Ewa\x00Nowak"}, "name"),
        ({"name": "E" * 500}, "name"),
    ],
)
def test_hostile_input_is_refused_with_a_clear_message_and_nothing_written(
    sent: tuple[SalesOrder, str], fields: dict[str, str], field: str
) -> None:
    order, token = sent
    before = written()
    with pytest.raises(services.ValidationFailed) as refused:
        services.accept_quotation(token, **{"name": "Ewa Nowak", "signature": signature(), **fields})
    assert field in refused.value.errors
    page = accept(Client(), token, **fields)
    assert page.status_code == 400 and 'id="customer-errors"' in page.content.decode()
    assert "<script>alert" not in page.content.decode()
    assert written() == before and SalesOrder.objects.get(pk=order.pk).state == "sent"


def test_a_quotation_changed_while_the_customer_read_it_is_not_accepted(
    sent: tuple[SalesOrder, str], salesperson: User
) -> None:
    order, token = sent
    version = order.version
    services.update_order(order, salesperson, customer_reference="changed")
    before = written()
    refused = accept(Client(), token, version=str(version))
    assert refused.status_code == 409 and written() == before


def test_the_public_page_is_rate_limited(sent: tuple[SalesOrder, str], settings: Any) -> None:
    _order, token = sent
    settings.TANDEM_CUSTOMER_LINK_LIMIT = "3/600"
    browser = Client()
    assert [browser.get(url(token)).status_code for _ in range(3)] == [200, 200, 200]
    assert browser.get(url(token)).status_code == 429
    assert accept(browser, token).status_code == 429 and not QuotationResponse.objects.exists()


def test_a_salesperson_revokes_the_link_from_the_order(
    sent: tuple[SalesOrder, str], salesperson: User
) -> None:
    order, token = sent
    page = signed_in(salesperson).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="order-customer-link"' in page and "revoke-link" in page
    done = signed_in(salesperson).post(
        reverse("sales:order_revoke_link", args=[order.pk]), {"confirmed": "1"}
    )
    assert done.status_code in {302, 303}
    assert Client().get(url(token)).status_code == 410
    assert Event.objects.filter(name="salesorder.link_revoked").count() == 1
    with pytest.raises(services.BusinessError):
        services.revoke_links(order, salesperson)  # none left that works


def test_the_customer_page_makes_a_fixed_number_of_queries(
    sent: tuple[SalesOrder, str], pinned_queries: Any
) -> None:
    _order, token = sent
    browser = Client()
    pinned_queries.check("sales:customer_quotation", lambda: browser.get(url(token)))
