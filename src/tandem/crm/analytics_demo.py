"""The demo's history for the analytics: a year of closed deals per salesperson that went
through the stages (won, or lost for a reason), done activities this month, a sales team and
this month's targets and a few segments, so the funnel, the forecast, the KPI page and the
segment list look real on first run.

Deals are written through the services and then dated back (the services stamp "now"): the
one place the demo sets ``created_at``/``closed_at`` itself, as the history it stands for.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core import roles
from tandem.core.demo import SEED, Demo
from tandem.crm import segments, services, targets
from tandem.crm.demo import TEAM, Catalogue
from tandem.crm.models import Activity, Deal, DealStageEntry, LostReason, Pipeline, SalesTeam
from tandem.partners.models import Partner, Tag

KEY = "Key account"  # the partners demo's tag
CUSTOMER_LIMIT = 14
DEALS_PER_MONTH = 3


def build(demo: Demo) -> dict[str, int]:
    rng = random.Random(SEED + 16)
    company = demo.company
    manager = demo.users.get("anna")
    sellers = [demo.users[name] for name in demo.with_role(roles.SALESPERSON) if name in demo.users]
    pipeline = Pipeline.objects.filter(company=company, is_default=True).first()
    if pipeline is None or not sellers:
        return {}
    stages = list(pipeline.stages.order_by("sequence", "id"))
    open_stages = [s for s in stages if s.is_open]
    reasons = list(LostReason.objects.filter(company=company).order_by("id"))
    now = timezone.now()
    today = timezone.localdate()
    history = 0
    catalogue = Catalogue(company, random.Random(SEED + 17))
    with transaction.atomic():
        for seller in sellers:
            customers = list(
                Partner.objects.filter(company=company, owner=seller, is_customer=True, active=True).order_by(
                    "id"
                )[:CUSTOMER_LIMIT]
            )
            if not customers:
                continue
            for months_ago in range(12, 0, -1):
                for copy in range(DEALS_PER_MONTH):
                    created = now - timedelta(days=30 * months_ago + rng.randrange(0, 28))
                    customer = customers[(months_ago * 3 + copy) % len(customers)]
                    interest = catalogue.interest(customer, Decimal(rng.randrange(8, 400) * 250))
                    deal = services.create_deal(
                        company, seller, title=f"{interest.subject}, {created:%Y-%m} #{copy + 1}",
                        partner=customer, pipeline=pipeline,
                        amount=interest.amount, currency=company.currency,
                        expected_close=(created + timedelta(days=45)).date(),
                        source=rng.choice(list(Deal.Source.values)), products=interest.products,
                    )  # fmt: skip
                    depth = rng.randrange(0, len(open_stages))
                    for stage in open_stages[1 : depth + 1]:
                        services.move_deal(deal, seller, stage)
                    if rng.random() < (0.25 + 0.15 * depth):
                        services.win_deal(deal, seller)
                    else:
                        services.lose_deal(deal, seller, reason=rng.choice(reasons), note="")
                    _date_back(deal, created, rng.randrange(10, 80), now)
                    history += 1
            for _i in range(rng.randrange(8, 20)):  # this month's done activities (the KPI page)
                day = today.replace(day=rng.randrange(1, today.day + 1))
                when = timezone.make_aware(datetime.combine(day, time(rng.randrange(8, 17))))
                services.log_activity(
                    company, seller, partner=rng.choice(customers), kind=Activity.Kind.CALL,
                    subject="Call the buyer", outcome="Spoke to the buyer", duration=15,
                    done_at=min(when, now),
                )  # fmt: skip
        team = SalesTeam.objects.get(company=company, name=TEAM)  # the CRM demo's, anna leads it
        month = today.replace(day=1)
        for seller in sellers:
            targets.set_target(
                company, manager, month=month, user=seller, revenue=Decimal(rng.randrange(8, 16) * 5000),
                deals=rng.randrange(3, 7), activities=rng.randrange(20, 40),
            )  # fmt: skip
        targets.set_target(
            company, manager, month=month, team=team, revenue=Decimal(len(sellers) * 60000),
            deals=len(sellers) * 5, activities=len(sellers) * 30,
        )  # fmt: skip
        made = _segments(demo, manager, today)
    return {"closed deals of the past year": history, "sales targets": len(sellers) + 1, "segments": made}


def _segments(demo: Demo, manager: Any, today: date) -> int:
    """A few saved segments, so the segment list counts members and the customer card shows
    which segments a customer is in on first run."""
    company = demo.company
    tags = dict(Tag.objects.filter(company=company).values_list("name", "pk"))
    wanted = [
        ("Key accounts", "Customers tagged key account.", {"tags": [tags[KEY]]} if KEY in tags else {}),
        ("Polish customers", "Customers in Poland, for the Polish price list.", {"countries": ["PL"]}),
        ("Won over 50,000", "Customers whose won deals add up to 50,000 or more.", {"won_min": "50000"}),
        (
            "Quiet for two months",
            "No activity done in the last 60 days: time to call.",
            {"inactive_since": (today - timedelta(days=60)).isoformat()},
        ),
    ]
    for name, description, criteria in wanted:
        segments.create_segment(company, manager, name=name, description=description, criteria=criteria)
    return len(wanted)


def _date_back(deal: Deal, created: datetime, cycle_days: int, now: datetime) -> None:
    """Spread the deal's stage entries from ``created`` to its close ``cycle_days`` later."""
    closed = min(created + timedelta(days=cycle_days), now - timedelta(days=1))
    entries = list(DealStageEntry.objects.filter(deal=deal).order_by("id").values_list("pk", flat=True))
    step = (closed - created) / max(len(entries) - 1, 1)
    for index, pk in enumerate(entries):
        DealStageEntry.objects.filter(pk=pk).update(entered_at=created + step * index)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=created, closed_at=closed, stage_changed_at=closed, last_activity_at=closed
    )
