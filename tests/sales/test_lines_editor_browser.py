"""In a real Chromium, the lines editor under a form (``web/_form_rows.html``, here a quotation's
lines): "Add a line" appends an empty row the autocomplete works in, by mouse or keyboard; a
row's "Remove" takes it out, an existing line included, and the rows after it are renumbered;
saving stores what the rows show. Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.partners.models import Partner
from tests.browser import choose, shot, sign_in
from tests.sales.conftest import quotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lines_are_added_and_removed_in_the_browser_and_saved(
    page: Any, company: Company, salesperson: User, customer: Partner, chair: Product, design: Product
) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)  # a busy shared machine
    order = quotation(company, salesperson, customer, (chair, "4"), order_date=timezone.localdate())
    sign_in(page, salesperson)
    page.goto(reverse("sales:order_edit", args=[order.pk]))
    editor = page.locator("#order-lines-form")
    rows = editor.locator("tbody[data-rows-body] > tr")
    total = editor.locator("input[name='lines-TOTAL_FORMS']")
    expect(rows).to_have_count(4)  # the line and three empty rows
    expect(total).to_have_value("4")

    # "Add a line" by mouse, then by keyboard: each a new empty row, focus in its first field.
    add = editor.get_by_role("button", name="Add a line")
    add.click()
    expect(rows).to_have_count(5)
    expect(
        page.locator("[data-autocomplete='lines-4-product'] input[data-autocomplete-search]")
    ).to_be_focused()
    add.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(6)
    expect(total).to_have_value("6")
    expect(
        page.locator("[data-autocomplete='lines-5-product'] input[data-autocomplete-search]")
    ).to_be_focused()
    expect(page.locator("input[name='lines-5-quantity']")).to_have_value("1")

    # Remove the existing line with the keyboard: the rows after it move up a number.
    rows.nth(0).get_by_role("button", name="Remove this line").focus()
    page.keyboard.press("Space")
    expect(rows).to_have_count(5)
    expect(total).to_have_value("5")
    expect(editor.locator("input[name='lines-INITIAL_FORMS']")).to_have_value("0")
    expect(page.locator("select[name='lines-5-product']")).to_have_count(0)
    expect(rows.nth(0).get_by_role("button", name="Remove this line")).to_be_focused()

    # The two added rows, now 3 and 4: their autocompletes search under their new names.
    choose(page, "lines-3-product", "interior", design.pk)
    page.fill("input[name='lines-3-quantity']", "3")
    choose(page, "lines-4-product", "oak", chair.pk)
    page.fill("input[name='lines-4-quantity']", "2")
    shot(page, "lines-editor-01-added-and-removed", part="#order-lines-form")
    page.locator("#object-form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("sales:order_detail", args=[order.pk])) + "$"))

    stored = list(order.lines.order_by("sequence", "id").values_list("product_id", "quantity"))
    assert stored == [(design.pk, Decimal(3)), (chair.pk, Decimal(2))]
