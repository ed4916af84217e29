"""In a real Chromium, a journal entry's lines in the shared lines editor: add two rows, remove
an existing line (the rows after it are renumbered), fill the added rows through the account
autocomplete, save, and the entry holds what the rows showed. Screenshots land in
``test-artifacts/browser/``."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.services import ledger
from tandem.core.models import Company, User
from tests.accounting.conftest import DAY, account, books_of, journal
from tests.browser import choose, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = Decimal


def test_entry_lines_are_added_and_removed_in_the_browser_and_saved(
    page: Any, company: Company, accountant: User
) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(60_000)  # a busy shared machine
    books_of(company)
    lines = [
        ledger.Line(account(company, "1010"), debit=D(30)),
        ledger.Line(account(company, "1010"), debit=D(70)),
        ledger.Line(account(company, "4000"), credit=D(100)),
    ]
    entry = ledger.create_entry(company, accountant, journal=journal(company, "MISC"), date=DAY, lines=lines)
    sign_in(page, accountant)
    page.goto(reverse("accounting:entry_edit", args=[entry.pk]))
    editor = page.locator("#entry-lines")
    rows = editor.locator("tbody[data-rows-body] > tr")
    total = editor.locator("input[name='lines-TOTAL_FORMS']")
    expect(rows).to_have_count(5)  # three lines and two empty rows
    expect(editor).not_to_contain_text("save to get more")

    add = editor.get_by_role("button", name="Add a line")
    add.click()
    add.click()
    expect(rows).to_have_count(7)
    expect(total).to_have_value("7")

    rows.nth(1).get_by_role("button", name="Remove this line").click()  # the 70.00 debit
    expect(rows).to_have_count(6)
    expect(total).to_have_value("6")
    expect(editor.locator("input[name='lines-INITIAL_FORMS']")).to_have_value("2")
    expect(page.locator("input[name='lines-1-credit']")).to_have_value("100.0000")
    expect(page.locator("select[name='lines-6-account']")).to_have_count(0)

    choose(page, "lines-4-account", "Salaries", account(company, "6000").pk)
    page.fill("input[name='lines-4-debit']", "20")
    choose(page, "lines-5-account", "Social", account(company, "6010").pk)
    page.fill("input[name='lines-5-debit']", "50")
    page.fill("input[name='lines-5-label']", "added in the browser")
    shot(page, "entry-lines-01-added-and-removed", part="#entry-lines")
    page.locator("#object-form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(entry.get_absolute_url()) + "$"))

    stored = list(entry.lines.order_by("id").values_list("account__code", "debit", "credit", "label"))
    assert stored == [
        ("1010", D(30), D(0), ""),
        ("4000", D(0), D(100), ""),
        ("6000", D(20), D(0), ""),
        ("6010", D(50), D(0), "added in the browser"),
    ]
