"""In Chromium: an administrator finds a message that could not be sent and sends it again.

Screenshots land in ``test-artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.models import Company, User
from tandem.core.notifications import services
from tandem.core.notifications.models import OutgoingEmail
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_failed_message_is_found_from_the_settings_and_sent_again(
    page: Any, admin: User, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setattr(services, "enqueue", lambda email_id: None)  # no worker in this test
    OutgoingEmail.objects.create(
        company=company, to=["jan@kowalski.example"], subject="Payment reminder INV/2026/00042",
        text="Dear Jan,\nthe invoice INV/2026/00042 is overdue.", state=OutgoingEmail.State.FAILED,
        attempts=6, last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
    )  # fmt: skip
    sign_in(page, admin)

    page.goto("/settings/")
    page.locator("[data-failed-emails]").click()
    expect(page.get_by_role("link", name="Outgoing e-mail")).to_be_visible()
    expect(page.locator("main")).to_contain_text("550 mailbox unavailable")
    shot(page, "emails-01-failed-list")
    page.locator("main table tbody a").first.click()
    page.get_by_role("tab", name="Message").click()
    expect(page.locator("[data-email-text]")).to_contain_text("is overdue")
    page.locator("[data-action=resend] button").click()

    expect(page.locator("body")).to_contain_text("The e-mail is queued to be sent again.")
    expect(page.locator("[data-action=resend]")).to_have_count(0)
    shot(page, "emails-02-sent-again")
    assert OutgoingEmail.objects.get().state == OutgoingEmail.State.QUEUED
