"""In a real Chromium at phone width: a warehouse worker opens a reserved delivery, scans a
chair's barcode twice with a keyboard-wedge scanner (the code and Enter typed into the focused
field), validates, and sees the delivery done with the third chair in a backorder.
Screenshots land in ``test-artifacts/browser/``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.catalog.models import Product
from tandem.core.models import Company, User
from tandem.inventory import queries, services
from tandem.inventory.models import Transfer, Warehouse
from tandem.partners.models import Partner
from tests.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_worker_validates_a_delivery_by_scanning_barcodes(
    page: Any, company: Company, warehouse: Warehouse, customer: Partner, chair: Product, worker: User,
    stock_of: Callable[..., Any],
) -> None:  # fmt: skip
    from playwright.sync_api import expect

    stock_of(chair, 5)
    delivery = services.create_delivery(company, customer, [(chair, 3)], origin="SO-PHONE", actor=worker)
    services.reserve(delivery, worker)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, worker)
    page.goto(reverse("inventory:transfer_process", args=[delivery.pk]))
    move = delivery.moves.get()
    done = page.locator(f"#done-{move.pk}")
    for expected in ("1", "2"):
        expect(page.locator("#scan")).to_be_focused()
        page.keyboard.type("4006381333931")
        page.keyboard.press("Enter")
        expect(done).to_have_value(expected)
    shot(page, "inventory-scan-phone")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator(".alert-success, .alert").first).to_contain_text("backorder")
    shot(page, "inventory-delivery-done")
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.DONE
    assert delivery.backorders.get().moves.get().quantity == 1
    assert queries.on_hand(chair, warehouse)[0] == 3
