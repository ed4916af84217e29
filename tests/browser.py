"""Chromium through Playwright for browser tests: the ``browser`` and ``page`` fixtures.

Registered for the whole suite by ``tests/conftest.py``; screenshots go to
``test-artifacts/browser/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"  # the checkout's


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed; run scripts/setup.sh --test")
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


def sign_in(page: Any, user: Any) -> None:
    """Sign in through the login form with the password ``make_user`` gives every test user."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "secret-pass-123")
    page.locator("main form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))


def act(page: Any, button: Any) -> None:
    """Click an action button (htmx posts it) and wait for the answer."""
    with page.expect_response(lambda response: response.request.method == "POST"):
        button.click()


def shot(page: Any, name: str, part: str | None = None) -> None:
    """The whole page; with ``part`` (a selector) that element alone, e.g. a form's rows, which
    the full page's sticky Save bar may cover."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if part is not None:
        page.locator(part).screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(page: Any, field: str, text: str, value: Any) -> None:
    """Pick ``value`` (a record's pk) in the autocomplete of the field named ``field`` (a lines
    editor's ``lines-3-product``, renumbered rows included) by typing ``text``."""
    from playwright.sync_api import expect

    search = page.locator(f"[data-autocomplete='{field}'] input[data-autocomplete-search]")
    with page.expect_response(lambda r: "/autocomplete/" in r.url and f"field={field}&" in r.url):
        search.focus()  # its first answer (all records) must not land after the one for the text
    with page.expect_response(
        lambda r: "/autocomplete/" in r.url and f"field={field}&" in r.url and f"q={text}" in r.url
    ):
        search.fill(text)
    select = page.locator(f"select[name='{field}']")
    expect(select.locator(f"option[value='{value}']")).to_have_count(1)
    select.select_option(str(value))
