"""In a real Chromium, a request for quotation's lines in the shared lines editor: add two rows,
remove the existing line, fill the renumbered rows, save, and the order holds what the rows
showed. Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tests.browser import choose, shot, sign_in
from tests.purchasing.conftest import order_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


def test_order_lines_are_added_and_removed_in_the_browser_and_saved(
    page: Any, company: Company, purchaser: User, timber_co: Partner, oak: Product, design: Product
) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)  # a busy shared machine
    order = order_of(company, purchaser, timber_co, (oak, "100", "12"))
    sign_in(page, purchaser)
    page.goto(reverse("purchasing:order_edit", args=[order.pk]))
    editor = page.locator("#order-lines-form")
    rows = editor.locator("tbody[data-rows-body] > tr")
    expect(rows).to_have_count(4)  # the line and three empty rows

    add = editor.get_by_role("button", name="Add a line")
    add.click()
    add.click()
    expect(rows).to_have_count(6)
    rows.nth(0).get_by_role("button", name="Remove this line").click()
    expect(rows).to_have_count(5)
    expect(editor.locator("input[name='lines-TOTAL_FORMS']")).to_have_value("5")

    choose(page, "lines-3-product", "Design", design.pk)
    page.fill("input[name='lines-3-quantity']", "3")
    page.fill("input[name='lines-3-price_unit']", "50")
    choose(page, "lines-4-product", "Oak", oak.pk)
    page.fill("input[name='lines-4-quantity']", "2")
    page.fill("input[name='lines-4-price_unit']", "10")
    shot(page, "purchase-lines-01-added-and-removed", part="#order-lines-form")
    page.locator("#object-form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(order.get_absolute_url()) + "$"))

    stored = list(order.lines.order_by("sequence", "id").values_list("product_id", "quantity", "price_unit"))
    assert stored == [(design.pk, D(3), D(50)), (oak.pk, D(2), D(10))]
