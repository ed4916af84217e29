"""In Chromium under the real policy: pages and the API docs work with no CSP violation.

Screenshots land in ``test-artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.models import User
from tests.browser import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_and_api_docs_run_under_the_policy(page: Any, admin: User) -> None:
    from playwright.sync_api import expect

    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    sign_in(page, admin)
    expect(page.locator("h1").first).to_be_visible()
    for path in [
        "/",
        "/partners/",
        "/settings/",
        "/settings/users/",
        "/settings/roles/",
        "/settings/account/two-factor/",
    ]:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
    expect(page.locator("svg.qr-code")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "security-two-factor-setup.png"), full_page=True)
    page.goto("/settings/users/")
    page.screenshot(path=str(ARTIFACTS / "settings-users.png"), full_page=True)
    page.goto("/settings/roles/")
    page.get_by_role("link", name="Salesperson").click()
    expect(page.locator("#permission-matrix")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "settings-role-matrix.png"), full_page=False)
    page.goto("/api/docs/")
    # Swagger UI renders the whole schema first: seconds on a busy machine, more with every API.
    expect(page.locator(".swagger-ui .info").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "security-api-docs.png"), full_page=True)
    assert violations == []
