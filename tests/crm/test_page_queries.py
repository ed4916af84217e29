"""Pinned query counts of the CRM pages the declared cases do not cover: the board, the agenda,
analytics, targets and KPIs, the team calendar, segments (list, card, members) — each measured
again after more deals and activities, which must not add a query."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.models import Company, User
from tandem.crm import segments, services
from tandem.crm.models import Pipeline
from tandem.partners.models import Partner
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
_count = itertools.count(1)


@pytest.fixture
def grow(
    company: Company,
    director: User,
    salesperson: User,
    pipeline: Pipeline,
    make_partner: Callable[..., Partner],
) -> Callable[[], None]:
    def add() -> None:
        for _ in range(2):
            number = next(_count)
            customer = make_partner(f"Customer {number}", actor=salesperson)
            deal = services.create_deal(
                company, salesperson, title=f"Deal {number}", partner=customer, amount="100"
            )
            services.schedule_activity(
                company,
                salesperson,
                deal=deal,
                subject=f"Call {number}",
                due_at=timezone.now() + timedelta(hours=2),
            )
            services.log_activity(company, salesperson, partner=customer, subject=f"Done {number}")
            services.win_deal(
                services.create_deal(
                    company, salesperson, title=f"Won {number}", partner=customer, amount="50"
                ),
                salesperson,
            )

    add()
    return add


@pytest.mark.parametrize("name", ["crm:board", "crm:agenda", "crm:analytics", "crm:kpis", "crm:calendar"])
def test_crm_pages_run_the_pinned_number_of_queries(
    name: str, director: User, grow: Callable[[], None], pinned_queries: Any
) -> None:
    client = signed_in(director)
    url = reverse(name)
    assert client.get(url).status_code == 200
    pinned_queries.check(name, lambda: client.get(url), grow=grow)


def test_the_segment_list_counts_every_segments_members_in_one_query(
    company: Company, director: User, grow: Callable[[], None], pinned_queries: Any
) -> None:
    """Each segment of the page shows its member count; more segments (of every kind of
    criterion) and more partners cost no query more."""
    stage = pipeline_stage(company)

    def more() -> None:
        grow()
        number = next(_count)
        for criteria in (
            {},
            {"won_min": "10"},
            {"stages": [stage.pk]},
            {"active_since": "2020-01-01"},
            {"countries": ["PL"], "city": "Kraków"},
        ):
            name = f"Segment {number} {sorted(criteria)}"
            segments.create_segment(company, director, name=name, criteria=criteria)

    more()
    client = signed_in(director)
    url = reverse("crm:segment_list")
    assert client.get(url).status_code == 200
    pinned_queries.check("crm:segment_list", lambda: client.get(url), grow=more)


def pipeline_stage(company: Company) -> Any:
    from tandem.crm.models import Stage

    return Stage.objects.filter(company=company, is_won=False, is_lost=False).order_by("id").first()


@pytest.mark.parametrize("name", ["crm:segment_detail", "crm:segment_members"])
def test_a_segments_pages_run_the_pinned_number_of_queries(
    name: str, company: Company, director: User, grow: Callable[[], None], pinned_queries: Any
) -> None:
    segment = segments.create_segment(company, director, name="Everyone", criteria={})
    client = signed_in(director)
    url = reverse(name, args=[segment.pk])
    assert client.get(url).status_code == 200
    pinned_queries.check(name, lambda: client.get(url), grow=grow)
