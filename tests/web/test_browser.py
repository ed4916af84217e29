"""In a real Chromium: sign in, create a partner from a one-line address, find it, switch to Russian.

Screenshots land in ``test-artifacts/browser/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tandem.core.models import User
from tandem.partners.models import Partner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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
    expect(page.locator("nav.navbar")).to_contain_text("Продажи")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    shot(page, "05-russian")
