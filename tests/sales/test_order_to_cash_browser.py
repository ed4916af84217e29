"""In a real Chromium, an order from quotation to cash: the salesperson opens the quotation and
sees the promised date appear, sends it; the customer, in a browser of their own and without an
account, draws their signature and accepts; the salesperson confirms; the warehouse ships; the
accountant invoices, posts and registers the payment; the customer card shows the order, the
invoice and the payment on its timeline and nothing left to pay. Screenshots land in
``test-artifacts/browser/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.accounting.models import Invoice, Journal, Tax
from tandem.catalog.models import Product
from tandem.core import invariants, roles
from tandem.core.models import Company, User
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder
from tests.browser import act, shot, sign_in
from tests.sales.conftest import quotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Each action reloads through htmx: slow on a loaded machine. Back to 5 s after."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@contextmanager
def signed_in_as(browser: Any, base_url: str, user: User) -> Iterator[Any]:
    """A page of ``user``'s own browser context (each person at their own desk)."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, user)
        yield page
    finally:
        context.close()


def draw_a_signature(page: Any) -> None:
    canvas = page.locator("#accept-form canvas")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 30, box["y"] + box["height"] / 2 + (-1) ** step * 25, steps=3)
    page.mouse.up()


def test_a_quotation_accepted_online_delivered_invoiced_and_paid(
    page: Any,
    browser: Any,
    live_server: Any,
    company: Company,
    salesperson: User,
    make_user: Any,
    customer: Partner,
    chair: Product,
    warehouse: Warehouse,
    vat: Tax,
) -> None:
    from playwright.sync_api import expect

    accountant = make_user("ada", roles.ACCOUNTANT)
    keeper = make_user("wanda", roles.WAREHOUSE)
    order = quotation(
        company, salesperson, customer, (chair, "4"), taxes=[vat], order_date=timezone.localdate()
    )
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, salesperson)

    # The quotation: the promised date appears while it is open, then it is sent.
    page.goto(reverse("sales:order_edit", args=[order.pk]))
    expect(page.locator("#promise-date")).to_contain_text("Earliest delivery of the whole order")
    expect(page.locator("#promise-lines")).to_contain_text("× 4")
    shot(page, "o2c-01-quotation-promise", part="#order-lines-form")
    page.goto(reverse("sales:order_detail", args=[order.pk]))
    act(page, page.locator("[data-action=send] button"))
    expect(page.locator("#order-state")).to_have_attribute("data-state", "sent")
    link = page.locator("#order-customer-link a").get_attribute("href")
    assert link

    # The customer, in a browser of their own: signs and accepts.
    theirs = browser.new_context(base_url=live_server.url, viewport={"width": 900, "height": 1000})
    try:
        customer_page = theirs.new_page()
        customer_page.goto(urlsplit(link).path)  # the e-mail's link names the site's address
        expect(customer_page.locator("#customer-total")).to_contain_text("492,00")  # in Polish, theirs
        customer_page.fill("#accept-name", "Jan Kowalski")
        draw_a_signature(customer_page)
        shot(customer_page, "o2c-02-customer-signs")
        customer_page.locator("#accept-button").click()
        expect(customer_page.locator("#customer-accepted")).to_contain_text("Jan Kowalski")
        shot(customer_page, "o2c-03-customer-accepted")
    finally:
        theirs.close()

    # Back at the office: accepted (and confirmed, or confirmed now by the salesperson).
    page.goto(reverse("sales:order_detail", args=[order.pk]))
    expect(page.locator("#order-responses")).to_contain_text("Jan Kowalski")
    if page.locator("#order-state").get_attribute("data-state") == "sent":
        act(page, page.locator("[data-action=confirm] button"))
    expect(page.locator("#order-state")).to_have_attribute("data-state", "confirmed")
    order.refresh_from_db()
    assert order.promised_date is not None
    shot(page, "o2c-04-confirmed")

    # The warehouse ships the four chairs.
    with signed_in_as(browser, live_server.url, keeper) as desk:
        delivery = Transfer.objects.get(pk=order.delivery_id)
        desk.goto(delivery.get_absolute_url())
        act(desk, desk.locator("[data-action=validate] button"))
        expect(desk.locator("[data-action=validate]")).to_have_count(0)
        delivery.refresh_from_db()
        assert delivery.state == Transfer.State.DONE

    # The accountant invoices the order, posts the invoice and registers the payment.
    with signed_in_as(browser, live_server.url, accountant) as desk:
        desk.goto(reverse("sales:order_detail", args=[order.pk]))
        expect(desk.locator("#order-delivered")).to_be_visible()
        act(desk, desk.locator("[data-action=invoice] button"))
        expect(desk.locator("#order-invoices a")).to_be_visible()  # the action reloads the order
        invoice = Invoice.objects.get(origin=order.number)
        desk.goto(invoice.get_absolute_url())
        act(desk, desk.locator("[data-action=post] button"))
        expect(desk.locator("[data-action=post]")).to_have_count(0)  # reloaded, posted
        invoice.refresh_from_db()
        assert invoice.state == Invoice.State.POSTED and invoice.amount_total == 492
        desk.goto(reverse("accounting:invoice_register_payment", args=[invoice.pk]))
        bank = Journal.objects.filter(company=company, kind=Journal.Kind.BANK).order_by("code").first()
        assert bank is not None
        desk.locator("select[name=journal]").select_option(str(bank.pk))
        desk.locator("main form [type=submit]").first.click()
        expect(desk).to_have_url(re.compile(re.escape(invoice.get_absolute_url()) + "$"))
        shot(desk, "o2c-05-paid")

    # The customer card: the order, the invoice and the payment, nothing left to pay.
    page.goto(customer.get_absolute_url())
    page.locator("#tab-timeline").click()
    timeline = page.locator("#pane-timeline")
    expect(timeline).to_contain_text(order.number)
    expect(timeline).to_contain_text(invoice.number)
    expect(timeline).to_have_css("opacity", "1")
    shot(page, "o2c-06-customer-card")
    order.refresh_from_db()
    assert order.state == SalesOrder.State.DONE
    assert not invariants.violations()
