"""In Chromium: drop a file on a partner's page, see it listed, download it; see the bell's count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.attachments.models import Attachment
from tandem.core.models import User
from tandem.core.notifications import services as notifications
from tandem.partners.models import Partner
from tests.browser import shot, sign_in
from tests.core.attachments.conftest import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drop_a_file_on_the_partner_page_and_see_the_bell(
    page: Any,
    salesperson: User,
    manager: User,
    make_partner: Callable[..., Partner],
) -> None:
    from playwright.sync_api import expect

    partner = make_partner("Meble Zielińscy Sp. z o.o.", owner=salesperson)
    notifications.notify(
        salesperson, kind="partners.assigned", title="You own Meble Zielińscy now", actor=manager
    )
    sign_in(page, salesperson)
    expect(page.locator("#notification-bell .notification-count")).to_contain_text("1")

    page.goto(f"/partners/{partner.pk}/")
    zone = page.locator("[data-dropzone]")
    expect(zone).to_be_visible()
    # A real drop: a DataTransfer holding a file, dispatched on the drop zone.
    transfer = page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "offer.pdf", {type: "application/pdf"}));
            return transfer;
        }""",
        list(PDF),
    )
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(page.locator(".attachment-list")).to_contain_text("offer.pdf")
    expect(page.locator(".attachments-panel [role=status]")).to_contain_text("Attached")
    shot(page, "attachments-01-dropped")
    attachment = Attachment.objects.get()
    assert attachment.name == "offer.pdf" and attachment.uploaded_by == salesperson

    with page.expect_download() as download:
        page.locator(".attachment-list a", has_text="offer.pdf").click()
    assert download.value.suggested_filename == "offer.pdf"

    page.goto("/notifications/")
    expect(page.locator(".notifications")).to_contain_text("You own Meble Zielińscy now")
    page.locator(".notifications button", has_text="Mark as read").click()
    expect(page.locator("#notification-bell .notification-count")).to_have_count(0)
    shot(page, "notifications-01-read")
