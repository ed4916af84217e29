"""In a real Chromium: a planner confirms a sale of a table made to order, sees its
manufacturing order and the promised date (capable-to-promise's), runs the order's assembly on
the shop-floor screen with its quality check, produces and finishes it, and delivers the table.
The table shop of ``tests/planning/table_shop.py`` on its Tuesday 22 December 2026: the legs and a
top are on the shelf, so the table waits only for assembly (8:00–9:30 that day). Screenshots
land in ``test-artifacts/browser/``."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.models import Company, User
from tandem.inventory import services as inventory
from tandem.inventory.models import Transfer
from tandem.manufacturing import services as manufacturing
from tandem.manufacturing.models import ManufacturingOrder, Operation, QualityCheck
from tandem.partners.models import Partner
from tandem.sales.models import SalesOrder
from tests.browser import act, shot, sign_in
from tests.planning.table_shop import TODAY, build
from tests.sales.conftest import quotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """Each action reloads the page through htmx: slow on a loaded machine. Back to 5 s after."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(autouse=True)
def today_is_the_22nd(monkeypatch: pytest.MonkeyPatch) -> None:
    original = timezone.localdate

    def localdate(value: Any = None, tz: Any = None) -> datetime.date:
        return TODAY if value is None else original(value, tz)

    monkeypatch.setattr(timezone, "localdate", localdate)


def test_a_table_made_to_order_from_the_sale_to_the_delivery(
    page: Any, company: Company, admin: User, make_partner: Callable[..., Partner]
) -> None:
    from playwright.sync_api import expect

    shop = build(company, admin, legs_in_stock="4")
    table = shop.products["table"]
    inventory.import_opening_stock(
        company,
        admin,
        [inventory.OpeningLine(shop.products["top"], shop.warehouse.stock_location, "1")],  # type: ignore[arg-type]
    )
    assemble = Operation.objects.get(routing__name="Table", name="Assemble")
    manufacturing.create_quality_point(
        company, admin, title="Stands level", product=table, operation=assemble
    )
    customer = make_partner("Hotel Union", email="orders@union.example")
    order = quotation(company, admin, customer, (table, "1"), order_date=TODAY)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, admin)

    # The sale: confirmed, a manufacturing order is made for it, promised for the 22nd.
    page.goto(reverse("sales:order_detail", args=[order.pk]))
    act(page, page.locator("[data-action=confirm] button"))
    expect(page.locator("#order-state")).to_have_attribute("data-state", "confirmed")
    expect(page.locator("#order-made-to-order")).to_contain_text("Table × 1")
    order.refresh_from_db()
    assert order.state == SalesOrder.State.CONFIRMED and order.promised_date == TODAY
    mo = ManufacturingOrder.objects.get(product=table)
    assert (mo.state, mo.due_date, mo.source) == ("confirmed", TODAY, "sales")
    shot(page, "mto-sale-confirmed")

    page.locator("#order-made-to-order a").click()
    expect(page).to_have_url(re.compile(rf"/manufacturing/orders/{mo.pk}/$"))
    expect(page.locator("main")).to_contain_text(mo.number)
    shot(page, "mto-manufacturing-order")

    # The shop floor of assembly: start, pass the check, finish.
    page.goto(reverse("manufacturing:shop_floor", args=[shop.centres["ASM"].pk]))
    card = page.locator(f"[data-work-order='{mo.work_orders.get().pk}']")
    act(page, card.locator("[data-action=start] button"))
    expect(card).to_have_attribute("data-state", "in_progress")
    card.get_by_role("button", name="Pass").click()
    expect(page.locator(".alert").first).to_contain_text("The check passed.")
    assert QualityCheck.objects.get(order=mo).state == "passed"
    shot(page, "mto-shop-floor")
    act(page, card.locator("[data-action=finish] button"))
    expect(page.locator(f"[data-work-order='{mo.work_orders.get().pk}']")).to_have_count(0)

    # Produce the table and finish the order.
    page.goto(reverse("manufacturing:order_produce", args=[mo.pk]))
    page.locator("main form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/manufacturing/orders/{mo.pk}/$"))
    act(page, page.locator("[data-action=finish] button"))
    expect(page.locator("#order-state")).to_have_attribute("data-state", "done")
    mo.refresh_from_db()
    assert mo.state == "done"
    shot(page, "mto-manufacturing-done")

    # Deliver: the delivery finds the table now, and goes.
    delivery = Transfer.objects.get(pk=order.delivery_id)
    page.goto(delivery.get_absolute_url())
    act(page, page.locator("[data-action=reserve] button"))
    expect(page.locator("[data-action=reserve]")).to_have_count(0)
    act(page, page.locator("[data-action=validate] button"))
    expect(page.locator("[data-action=validate]")).to_have_count(0)
    delivery.refresh_from_db()
    assert delivery.state == Transfer.State.DONE
    page.goto(reverse("sales:order_detail", args=[order.pk]))
    expect(page.locator("#order-delivered")).to_be_visible()
    shot(page, "mto-delivered")
