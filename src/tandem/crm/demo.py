"""The CRM's part of the demo company: two pipelines (new business, renewals) with deals in
every stage for the salespeople's customers, and activities due today, overdue and this week,
so the board and the agenda look real on first run. Written through the services (a few dozen
rows), seeded, so two builds hold the same deals."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.core import roles
from tandem.core.demo import SEED, Demo
from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Activity, Deal, LostReason, Pipeline
from tandem.partners.models import Partner

RENEWAL_STAGES = (
    {"name": "Up for renewal", "probability": 60, "stall_days": 14},
    {"name": "Offer sent", "probability": 75, "stall_days": 10},
    {"name": "Renewed", "probability": 100, "is_won": True},
    {"name": "Churned", "probability": 0, "is_lost": True},
)
PRODUCTS = ("Office chairs", "Standing desks", "Meeting room set", "Reception furniture", "Storage walls",
            "Canteen tables", "Acoustic panels", "Lounge sofas")  # fmt: skip
CALLS = ("Follow-up call", "Discuss the offer", "Check the budget", "Agree delivery dates", "Call the buyer")
MEETINGS = ("Showroom visit", "On-site measurement", "Demo of samples")
OUTCOMES = (
    "Interested, wants a second offer",
    "Asked for a discount",
    "Decision next week",
    "Sent the catalogue",
)


def build(demo: Demo) -> dict[str, int]:
    rng = random.Random(SEED)
    company = demo.company
    manager = demo.users.get("anna")
    sellers = [demo.users[name] for name in demo.with_role(roles.SALESPERSON) if name in demo.users]
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        new_business = services.ensure_setup(company, manager)
        services.update_pipeline(new_business, manager, name="New business")
        renewals = services.create_pipeline(company, manager, name="Renewals", stages=RENEWAL_STAGES)
        reasons = list(LostReason.objects.filter(company=company).order_by("id"))
        deals = 0
        activities = 0
        for seller in sellers:
            customers = list(
                Partner.objects.filter(
                    company=company,
                    owner=seller,
                    is_customer=True,
                    kind=Partner.Kind.ORGANISATION,
                    active=True,
                ).order_by("id")[:14]
            )
            if not customers:
                continue
            for pipeline in (new_business, renewals):
                stages = list(pipeline.stages.order_by("sequence", "id"))
                for index, stage in enumerate(stages):
                    for copy in range(2 if stage.is_open else 1):
                        customer = customers[(index * 2 + copy + (pipeline.pk % 3)) % len(customers)]
                        deal = services.create_deal(
                            company, seller,
                            title=f"{rng.choice(PRODUCTS)} for {customer.name}"[:200],
                            partner=customer,
                            pipeline=pipeline,
                            amount=Decimal(rng.randrange(12, 480) * 250),
                            currency=company.currency,
                            expected_close=today + timedelta(days=rng.randrange(-10, 75)),
                            source=rng.choice(list(Deal.Source.values)),
                        )  # fmt: skip
                        deals += 1
                        if stage.is_won:
                            services.win_deal(deal, seller)
                        elif stage.is_lost:
                            services.lose_deal(deal, seller, reason=rng.choice(reasons), note="")
                        elif stage.pk != deal.stage_id:
                            services.move_deal(deal, seller, stage)
                        activities += _activities(company, seller, deal, rng, now)
    return {
        "pipelines": Pipeline.objects.filter(company=company).count(),
        "deals": deals,
        "activities": activities,
    }


def _activities(company: Company, seller: User, deal: Deal, rng: random.Random, now: datetime) -> int:
    """A call logged last week and, on open deals, the next step: overdue, today or this week."""
    written = 1
    services.log_activity(
        company, seller, deal=deal, kind=Activity.Kind.CALL, subject=rng.choice(CALLS),
        outcome=rng.choice(OUTCOMES), duration=rng.randrange(5, 40),
        done_at=now - timedelta(days=rng.randrange(2, 9)),
    )  # fmt: skip
    if deal.state != Deal.State.OPEN:
        return written
    offset = rng.choice((-3, -1, 0, 0, 1, 2, 4))
    day = timezone.localdate() + timedelta(days=offset)
    due = timezone.make_aware(datetime.combine(day, time(rng.randrange(8, 17), rng.choice((0, 30)))))
    kind = rng.choice((Activity.Kind.CALL, Activity.Kind.MEETING, Activity.Kind.TASK))
    subject = rng.choice(MEETINGS) if kind == Activity.Kind.MEETING else rng.choice(CALLS)
    services.schedule_activity(company, seller, deal=deal, kind=kind, subject=subject, due_at=due)
    return written + 1
