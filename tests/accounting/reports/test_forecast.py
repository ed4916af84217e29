"""The 13-week cash forecast: open items by due date, a registered provider, the late scenario."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting.queries import forecast
from tandem.core.models import Company, User
from tests.accounting.reports.conftest import D, Ledger

pytestmark = pytest.mark.django_db
TODAY = D(2026, 3, 31)  # a Tuesday: the first week is 30 March – 5 April


@pytest.fixture
def orders() -> Iterator[None]:
    """What sales would register: a confirmed order expected to be paid on 10 April."""

    def flows(company: Company, start: datetime.date, end: datetime.date) -> list[forecast.Flow]:
        return [forecast.Flow(D(2026, 4, 10), Decimal(300))]

    forecast.register_provider(forecast.Provider("test_orders", "Confirmed orders", flows))  # type: ignore[arg-type]
    yield
    forecast.unregister_provider("test_orders")


def weeks(plan: forecast.Forecast) -> list[tuple[int, int, int, int]]:
    return [
        (int(w.receipts), int(w.payments), int(w.balance), (w.start - plan.weeks[0].start).days // 7)
        for w in plan.weeks[:4]
    ]


def test_open_items_and_providers_by_week(ledger: Ledger, orders: None) -> None:
    plan = forecast.forecast(ledger.company, TODAY)
    assert plan.opening == 10200
    assert len(plan.weeks) == 13 and plan.weeks[0].start == D(2026, 3, 30)
    assert weeks(plan) == [
        (1000, 0, 11200, 0),  # A's 500 and B's 500 are overdue: expected now
        (300, 0, 11500, 1),  # the provider's order, 10 April
        (0, -2400, 9100, 2),  # the supplier's bill, due 19 April
        (0, 0, 9100, 3),
    ]
    assert plan.weeks[1].by_source == {"test_orders": 300}


def test_customers_paying_late(ledger: Ledger, orders: None) -> None:
    plan = forecast.forecast(ledger.company, TODAY, days_late=15)
    assert weeks(plan) == [
        (0, 0, 10200, 0),
        (0, 0, 10200, 1),
        (1000, -2400, 8800, 2),  # 31 March + 15 days = 15 April
        (300, 0, 9100, 3),  # 10 April + 15 days = 25 April
    ]


def test_the_page_recomputes_the_scenario_and_refuses_bad_values(
    accountant: User, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    client.force_login(accountant)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: TODAY)
    page = client.get(reverse("accounting:forecast"), {"late": "15"})
    assert page.status_code == 200 and page.context["plan"].days_late == 15
    assert "<svg" in page.content.decode()
    assert client.get(reverse("accounting:forecast"), {"late": "-3"}).status_code == 400
    assert client.get(reverse("accounting:budgets")).status_code == 200
