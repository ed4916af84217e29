from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Deal, Pipeline
from tandem.partners.models import Partner


@pytest.fixture
def pipeline(company: Company, manager: User) -> Pipeline:
    return services.ensure_setup(company, manager)


@pytest.fixture
def customer(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Meble Nowak", actor=salesperson)


@pytest.fixture
def make_deal(
    company: Company, salesperson: User, customer: Partner, pipeline: Pipeline
) -> Callable[..., Deal]:
    def make(**fields: Any) -> Deal:
        fields.setdefault("title", "Chairs for the office")
        fields.setdefault("partner", customer)
        fields.setdefault("amount", "10000.00")
        actor = fields.pop("actor", salesperson)
        return services.create_deal(company, actor, **fields)

    return make


@pytest.fixture
def soon() -> Any:
    return timezone.now() + timedelta(hours=2)


@pytest.fixture
def director(make_user: Callable[..., User]) -> User:
    """The sales director: a sales manager who sees every team's deals, leads and activities."""
    from tandem.crm.roles import SALES_DIRECTOR

    return make_user("dana", SALES_DIRECTOR)
