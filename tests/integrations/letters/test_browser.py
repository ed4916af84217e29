"""In Chromium: write a template with merge fields, preview it, and write a letter to a partner.

Screenshots land in ``test-artifacts/browser/`` for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.core.attachments.models import Attachment
from tandem.core.models import User
from tandem.crm import targets
from tandem.partners.models import Partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_write_a_template_and_a_letter_to_a_partner(
    page: Any, manager: User, salesperson: User, customer: Partner, contact: Partner
) -> None:
    from playwright.sync_api import expect

    # The customer is Sam's; Anna sees it as the leader of Sam's team (issue 16).
    targets.create_team(customer.company, None, name="North", leader=manager, members=[salesperson])

    sign_in(page, manager)
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto("/documents/templates/new/")
    page.fill("input[name=name]", "Thank-you letter")
    page.select_option("select[name=language]", "en")
    page.fill("input[name=subject]", "Thank you, ")
    page.locator("[data-merge-field='partner.name']").click()  # inserted at the cursor of the subject
    page.fill("textarea[name=body]", "Dear ")
    page.locator("textarea[name=body]").press("End")
    page.locator("[data-merge-field='contact.name']").click()
    page.locator("textarea[name=body]").press("End")
    page.locator("textarea[name=body]").type(",\n\nwe thank you for your order. 谢谢！\n\n")
    page.locator("textarea[name=body]").press("End")
    page.locator("[data-merge-field='user.name']").click()
    expect(page.locator("input[name=subject]")).to_have_value("Thank you, {{ partner.name }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#template-preview")).to_contain_text("Dear [contact.name],")
    shot(page, "documents-01-template-form")
    page.locator("#object-form [type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Thank-you letter")
    shot(page, "documents-02-template")

    page.goto(customer.get_absolute_url())
    page.get_by_role("link", name="Write a document").click()
    page.select_option("select[name=contact]", str(contact.pk))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#document-preview")).to_contain_text("Dear Jan Kowalski,")
    expect(page.locator("#document-preview")).to_contain_text("Thank you, Acme Trading")
    shot(page, "documents-03-generate-preview")
    page.get_by_role("button", name="Generate PDF").click()
    expect(page.locator("h1")).to_contain_text("Acme Trading")
    expect(page.locator("body")).to_contain_text("was saved to the partner's attachments")
    shot(page, "documents-04-partner-with-letter")
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "application/pdf"
