"""The header's search box: partners and products the user may see, best matches first, and
keyboard navigation through the results."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.services import create_product
from tandem.core.models import Company, Uom, User
from tandem.crm import targets
from tandem.partners.models import Partner
from tests.browser import sign_in
from tests.web.support import signed_in


@pytest.fixture
def records(
    make_partner: Callable[..., Partner], salesperson: User, other_salesperson: User,
    company: Company, manager: User, pcs: Uom,
) -> None:  # fmt: skip
    make_partner("Oak House GmbH", actor=salesperson)
    make_partner("Secret Oakwood Ltd", actor=other_salesperson)
    make_partner("Kraków Oak Traders", actor=salesperson)
    create_product(company, manager, name="Oak dining chair", sku="OAK-1", uom=pcs)


def _lead_the_team(manager: User, *members: User) -> None:
    """Anna sees her team's customers (issue 16), not everyone's."""
    targets.create_team(manager.active_company, None, name="North", leader=manager, members=members)


def _results(user: User, text: str) -> str:
    response = signed_in(user).get(reverse("search"), {"q": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_finds_partners_and_products_the_user_may_see(records: None, salesperson: User) -> None:
    html = _results(salesperson, "oak")
    assert "Partners" in html and "Products" in html
    assert html.index("Oak House GmbH") < html.index("Kraków Oak Traders")  # name starts with it: first
    assert "Oak dining chair" in html
    assert "Secret Oakwood" not in html  # another salesperson's customer
    assert "<html" not in html  # the dropdown alone, for htmx


@pytest.mark.django_db
def test_says_when_nothing_is_found_and_works_without_htmx(
    records: None, manager: User, other_salesperson: User
) -> None:
    _lead_the_team(manager, other_salesperson)
    assert "Nothing found" in _results(manager, "zzqx")
    page = signed_in(manager).get(reverse("search"), {"q": "oakwood"}).content.decode()
    assert "<html" in page and "Secret Oakwood Ltd" in page


@pytest.mark.django_db
def test_the_box_is_in_the_header(manager: User) -> None:
    page = signed_in(manager).get(reverse("home")).content.decode()
    assert 'id="global-search"' in page and 'hx-get="/search/"' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_keyboard_moves_through_the_results(
    page: Any, manager: User, salesperson: User, records: None
) -> None:
    from playwright.sync_api import expect

    _lead_the_team(manager, salesperson)

    sign_in(page, manager)
    page.fill("#global-search", "oak")
    results = page.locator("#global-search-results [data-search-result]")
    expect(results.first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(results.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/partners/\d+/$"))
