"""In a real Chromium, a salesperson's deal from the board to its quotation: drag it to the next
stage, add a product of interest with a quantity on the deal form, log a call, mark it won, make
the quotation from it (its line carries the product and quantity), see the quotation on the
deal's panel and the call and the won deal on the customer card's timeline. Screenshots land in
``test-artifacts/browser/``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.models import Tax
from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.crm import services as crm
from tandem.crm.models import Activity, Deal
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_the_board_to_the_quotation_with_the_products_of_interest(
    page: Any, company: Company, salesperson: User, customer: Partner, chair: Product, vat: Tax
) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)  # a busy shared machine
    deal = crm.create_deal(
        company, salesperson, title="Chairs for the lobby", partner=customer, amount="1200"
    )
    qualified = deal.pipeline.stages.get(name="Qualified")
    sign_in(page, salesperson)

    # The board: drag the card to the next stage.
    page.goto("/crm/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    expect(card).to_be_visible()
    card.drag_to(page.locator(f"[data-drop='{qualified.pk}']"))
    expect(page.locator(f"[data-drop='{qualified.pk}'] [data-deal='{deal.pk}']")).to_be_visible()
    shot(page, "deal-to-quote-01-board")

    # The deal form: a product of interest, twelve of them.
    page.goto(f"/crm/deals/{deal.pk}/edit/")
    search = page.locator("[data-autocomplete='products-0-product'] input[data-autocomplete-search]")
    search.fill("oak")
    select = page.locator("select[name='products-0-product']")
    expect(select.locator(f"option[value='{chair.pk}']")).to_have_count(1)
    page.wait_for_load_state("networkidle")  # a late answer to "o", "oa"… would replace the options
    select.select_option(str(chair.pk))
    page.fill("input[name='products-0-quantity']", "12")
    shot(page, "deal-to-quote-02-deal-form")
    shot(page, "deal-to-quote-02-products-of-interest", part="#products-rows")
    page.locator("#object-form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/crm/deals/{deal.pk}/$"))
    expect(page.locator("[data-products-of-interest]")).to_contain_text("Oak chair × 12")

    # Log a call on the deal.
    page.goto(f"/crm/activities/new/?deal={deal.pk}&kind=call&done=1")
    page.fill("input[name=subject]", "Call about the lobby chairs")
    page.fill("[name=outcome]", "Wants twelve, in oak")
    page.locator("#object-form [type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Call about the lobby chairs")

    # Won, then the quotation from the deal.
    page.goto(f"/crm/deals/{deal.pk}/")
    page.locator("[data-action=win] button").click()
    expect(page.locator("#object-actions [data-action=reopen]")).to_be_visible()
    shot(page, "deal-to-quote-03-won")
    page.goto(f"/crm/deals/{deal.pk}/")
    page.locator("[data-quote-from-deal] button").click()
    order = SalesOrder.objects.get(deal=deal)
    expect(page).to_have_url(re.compile(re.escape(reverse("sales:order_edit", args=[order.pk])) + "$"))
    expect(page.locator("select[name='lines-0-product']")).to_have_value(str(chair.pk))
    expect(page.locator("input[name='lines-0-quantity']")).to_have_value(re.compile(r"^12(\.0*)?$"))
    shot(page, "deal-to-quote-04-quotation")
    shot(page, "deal-to-quote-04-quotation-lines", part="#order-lines-form table")
    line = order.lines.get()
    assert (line.product, line.quantity) == (chair, Decimal(12))

    # The deal's panel lists the quotation; the customer's timeline has the call and the won deal.
    page.goto(f"/crm/deals/{deal.pk}/")
    expect(page.locator("[data-record-section]")).to_contain_text(order.number)
    shot(page, "deal-to-quote-05-deal-panel")
    page.goto(customer.get_absolute_url())
    page.locator("#tab-timeline").click()
    timeline = page.locator("#pane-timeline")
    expect(timeline).to_contain_text("Call about the lobby chairs")
    expect(timeline).to_contain_text("Deal won")
    expect(timeline).to_have_css("opacity", "1")  # the tab has faded in
    shot(page, "deal-to-quote-06-timeline")
    deal.refresh_from_db()
    assert deal.state == Deal.State.WON and deal.stage.is_won
    assert Activity.objects.filter(deal=deal, kind=Activity.Kind.CALL, state=Activity.State.DONE).exists()
