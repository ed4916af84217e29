"""The board with 5,000 open deals: the same queries as with a handful (counts and sums per
stage in SQL, at most ``CARDS_PER_COLUMN`` cards per column), well under a fixed bound."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core.models import Company, User
from tandem.crm import queries
from tandem.crm.models import Deal, Pipeline
from tandem.partners.models import Partner
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db

OPEN_DEALS = 5000
BOUND = 40


def _queries(run: Callable[[], object]) -> int:
    run()  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_board_with_5000_open_deals_keeps_its_query_count(
    company: Company, director: User, pipeline: Pipeline, customer: Partner, make_deal: Callable[..., Deal]
) -> None:
    stages = list(pipeline.stages.filter(is_won=False, is_lost=False).order_by("sequence"))
    for stage in stages:  # a card in every column: a column's cards are one query, whatever its size
        make_deal(stage=stage)
    client = signed_in(director)
    url = f"{reverse('crm:board')}?pipeline={pipeline.pk}"
    few = _queries(lambda: client.get(url))
    Deal.objects.bulk_create(
        [
            Deal(
                company=company,
                title=f"Deal {n}",
                partner=customer,
                owner=director,
                pipeline=pipeline,
                stage=stages[n % len(stages)],
                amount=Decimal(100 + n),
                currency_id=company.currency_id,
            )
            for n in range(OPEN_DEALS)
        ],
        batch_size=1000,
    )
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    total = sum(column.count for column in response.context["columns"])
    assert total == OPEN_DEALS + len(stages)
    assert page.count('draggable="true"') <= queries.CARDS_PER_COLUMN * len(stages)
    many = _queries(lambda: client.get(url))
    assert many == few <= BOUND, (few, many)
