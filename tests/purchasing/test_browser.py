"""In a real Chromium: the manager approves a purchase order, the purchaser receives part of it
and sees the backorder. Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.catalog.models import Product
from tandem.core import roles
from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.partners.models import Partner
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder
from tests.browser import shot, sign_in
from tests.purchasing.conftest import order_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_approve_then_receive_part_and_see_the_backorder(
    page: Any,
    company: Company,
    admin: User,
    purchaser: User,
    make_user: Callable[..., User],
    timber_co: Partner,
    oak: Product,
) -> None:
    from playwright.sync_api import expect

    boss = make_user("bruno", roles.SALES_MANAGER)
    services.create_approval_level(company, admin, name="Manager", min_amount="1000", approver=boss)
    inventory.create_warehouse(company, admin, name="Main warehouse", code="WH")
    order = order_of(company, purchaser, timber_co, (oak, "100", "12"))
    services.confirm_order(order, purchaser)
    assert order.state == "to_approve"

    sign_in(page, boss)
    page.goto(f"/purchasing/orders/{order.pk}/")
    expect(page.locator("#waiting-approval")).to_be_visible()
    shot(page, "purchasing-01-to-approve")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "confirmed")
    shot(page, "purchasing-02-approved")
    page.context.clear_cookies()

    sign_in(page, purchaser)
    page.goto(f"/purchasing/orders/{order.pk}/")
    page.click("#receive-link")
    line = order.lines.get()
    page.fill(f"input[name=line_{line.pk}]", "60")
    shot(page, "purchasing-03-receive")
    page.locator("#receive-form [type=submit]").click()
    expect(page.locator(f"tr[data-line='{line.pk}'] [data-received]")).to_have_text("60")
    expect(page.locator("#order-receipts")).to_contain_text("backorder")
    shot(page, "purchasing-04-backorder")
    order.refresh_from_db()
    assert order.state == PurchaseOrder.State.CONFIRMED and order.receipt is not None
    assert order.receipt.backorders.get().moves.get().quantity == Decimal(40)
