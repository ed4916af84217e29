"""In a real Chromium: a salesperson opens a lead from the Leads list, converts it, picks the
existing customer the duplicate check shows, and lands on the new deal, the lead converted.
Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Deal, Lead
from tandem.crm.services.leads import create_lead
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_convert_a_lead_into_the_customer_it_duplicates_and_a_deal(
    page: Any, company: Company, salesperson: User, manager: User
) -> None:
    from playwright.sync_api import expect

    services.ensure_setup(company, manager)
    existing = create_partner(company, salesperson, name="Hotel Morska sp. z o.o.", email="biuro@morska.pl")
    lead = create_lead(
        company, salesperson, company_name="Hotel Morska", email="biuro@morska.pl", budget="900"
    )
    sign_in(page, salesperson)
    page.goto("/crm/leads/")
    page.get_by_role("link", name="Hotel Morska").first.click()
    expect(page).to_have_url(re.compile(rf"/crm/leads/{lead.pk}/$"))
    page.locator("[data-convert]").click()
    expect(page.locator("[data-convert-form]")).to_be_visible()
    page.locator(f"#customer-{existing.pk}").check()
    page.fill("input[name=amount]", "900")
    shot(page, "crm-lead-convert")
    page.locator("[data-convert-form] button[type=submit]").click()
    lead.refresh_from_db()
    assert lead.state == Lead.State.CONVERTED and lead.partner == existing
    deal = Deal.objects.get(pk=lead.deal_id)
    expect(page).to_have_url(re.compile(rf"/crm/deals/{deal.pk}/$"))
    expect(page.locator("main")).to_contain_text("Hotel Morska sp. z o.o.")
    shot(page, "crm-lead-converted-deal")
    assert deal.partner == existing and deal.amount == 900
    assert Partner.objects.filter(company=company).count() == 1
