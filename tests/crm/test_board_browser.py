"""In a real Chromium: a salesperson opens the deal board and drags a card to the next stage;
the move is saved at once (the column counts change, the deal's history has it). Screenshots
land in ``test-artifacts/browser/``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Deal
from tandem.partners.models import Partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_drag_a_deal_to_the_next_stage(
    page: Any, company: Company, salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    from playwright.sync_api import expect

    customer = make_partner("Hotel Bled", actor=salesperson)
    deal = services.create_deal(
        company, salesperson, title="Lobby furniture", partner=customer, amount="48000"
    )
    qualified = deal.pipeline.stages.get(name="Qualified")
    sign_in(page, salesperson)
    page.goto("/crm/")
    card = page.locator(f"[data-deal='{deal.pk}']")
    expect(card).to_be_visible()
    shot(page, "crm-board-before")
    card.drag_to(page.locator(f"[data-drop='{qualified.pk}']"))
    expect(page.locator(f"[data-drop='{qualified.pk}'] [data-deal='{deal.pk}']")).to_be_visible()
    expect(page.locator(f"[data-stage='{qualified.pk}'] [data-count]")).to_have_text("1")
    shot(page, "crm-board-after")
    deal.refresh_from_db()
    assert deal.stage == qualified and deal.state == Deal.State.OPEN
