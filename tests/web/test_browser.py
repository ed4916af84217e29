"""In a real Chromium: sign in, create a partner from a one-line address, find it, switch to Russian.

Screenshots land in ``test-artifacts/browser/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.core.models import User
from tandem.partners.models import Partner
from tests.browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_create_from_free_text_address_search_and_switch_to_russian(page: Any, manager: User) -> None:
    from playwright.sync_api import expect

    page.goto("/login/")
    page.fill("input[name=username]", manager.username)
    page.fill("input[name=password]", "secret-pass-123")
    shot(page, "01-login")
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/partners/new/")
    page.fill("input[name=name]", "Meble Zielińscy Sp. z o.o.")
    page.fill("input[name=email]", "biuro@meble-zielinscy.pl")
    page.fill("input[name=address_text]", "ul. Marszałkowska 10/12 m. 5, 00-590 Warszawa, Polska")
    shot(page, "02-partner-form")
    page.locator("main form [type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("Meble Zielińscy")
    expect(page.locator("body")).to_contain_text("00-590")
    expect(page.locator("body")).to_contain_text("Warszawa")
    shot(page, "03-partner-card")
    address = Partner.objects.get(name="Meble Zielińscy Sp. z o.o.").addresses.get()
    assert (address.street, address.house, address.unit, address.city, address.country) == (
        "ul. Marszałkowska", "10/12", "5", "Warszawa", "PL",
    )  # fmt: skip

    page.goto("/partners/")
    page.fill("#list-search", "meble zie")
    expect(page.locator("table")).to_contain_text("Meble Zielińscy")
    shot(page, "04-search")

    page.click("#language-menu")
    page.click("button[name=language][value=ru]")
    expect(page.locator("nav.navbar")).to_contain_text("Контрагенты")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    shot(page, "05-russian")
