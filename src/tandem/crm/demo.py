"""The CRM's part of the demo company: two pipelines (new business, renewals) with deals in
every stage for the salespeople's customers, and activities due today, overdue and this week,
so the board and the agenda look real on first run; and leads of the past months from every
channel — new, qualified, disqualified, converted into customers and deals — plus a few web
leads nobody has taken yet, so the Leads list looks real too. Written through the services (a few dozen
rows), seeded, so two builds hold the same deals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tandem.catalog.models import Product
from tandem.catalog.queries import price_for
from tandem.core import roles
from tandem.core.demo import SEED, Demo
from tandem.core.models import Company, User
from tandem.crm import services, targets
from tandem.crm.models import Activity, Deal, Lead, LostReason, Pipeline
from tandem.crm.services import leads as lead_services
from tandem.partners.models import Partner

TEAM = "Field sales"
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
        if sellers:  # before the deals, which count for their owner's team (teams are the director's)
            targets.create_team(company, demo.users.get("admin"), name=TEAM, leader=manager, members=sellers)
        reasons = list(LostReason.objects.filter(company=company).order_by("id"))
        catalogue = Catalogue(company, random.Random(SEED + 5))
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
                        rng.choice(PRODUCTS)  # the title is the products' now; the draws stay the same
                        interest = catalogue.interest(customer, Decimal(rng.randrange(12, 480) * 250))
                        deal = services.create_deal(
                            company, seller,
                            title=f"{interest.subject} for {customer.name}"[:200],
                            partner=customer,
                            pipeline=pipeline,
                            amount=interest.amount,
                            currency=company.currency,
                            expected_close=today + timedelta(days=rng.randrange(-10, 75)),
                            source=rng.choice(list(Deal.Source.values)),
                            products=interest.products,
                        )  # fmt: skip
                        deals += 1
                        if stage.is_won:
                            services.win_deal(deal, seller)
                        elif stage.is_lost:
                            services.lose_deal(deal, seller, reason=rng.choice(reasons), note="")
                        elif stage.pk != deal.stage_id:
                            services.move_deal(deal, seller, stage)
                        activities += _activities(company, seller, deal, rng, now)
        leads = _leads(company, manager, sellers, rng, now, catalogue)
    return {
        "pipelines": Pipeline.objects.filter(company=company).count(),
        "deals": deals,
        "activities": activities,
        "leads": leads,
    }


LEAD_PEOPLE = (
    ("Hotel Bled", "Ana Kos", "Lobby and bar seating"),
    ("Pekarna Kranj", "Jure Zupan", "A shop counter"),
    ("Biuro Rachunkowe Lis", "Ewa Lis", "Ten desks for a new office"),
    ("Studio Forma", "Marek Wójcik", "Chairs for a meeting room"),
    ("Vinoteka Piran", "Luka Mlakar", "Shelving"),
    ("Kancelaria Nowak", "Piotr Nowak", "Reception furniture"),
    ("Coworking Center", "Tina Horvat", "40 desks"),
    ("Dental Clinic Smile", "Maja Kralj", "Waiting room sofas"),
    ("Szkoła Językowa Lingua", "Olga Zielińska", "Classroom tables"),
    ("Gostilna Pri Mostu", "Rok Novak", "Canteen tables"),
)
LEAD_SOURCES = (
    Lead.Source.WEBSITE, Lead.Source.EMAIL, Lead.Source.CALL, Lead.Source.EVENT, Lead.Source.REFERRAL,
    Lead.Source.IMPORT, Lead.Source.CAMPAIGN,
)  # fmt: skip
DISQUALIFIED = ("No budget this year", "Bought elsewhere", "Only wanted a price list", "Could not reach them")


def _leads(
    company: Company,
    manager: User | None,
    sellers: list[User],
    rng: random.Random,
    now: datetime,
    catalogue: Catalogue,
) -> int:
    """Per salesperson, leads of the past months in every state; three web leads for the manager
    to hand out. Each is dated back to when it came in."""
    written = 0
    for seller_index, seller in enumerate(sellers):
        for index in range(len(LEAD_PEOPLE)):
            firm, person, need = LEAD_PEOPLE[(index + seller_index * 3) % len(LEAD_PEOPLE)]
            first = person.split()[0].lower()
            domain = "".join(ch for ch in firm.lower() if ch.isalnum())[:20]
            lead = lead_services.create_lead(
                company, seller, source=LEAD_SOURCES[(index + seller_index) % len(LEAD_SOURCES)],
                company_name=firm, contact_name=person, email=f"{first}@{domain}.example", need=need,
                budget=Decimal(rng.randrange(4, 120) * 500), timeline=rng.choice(list(Lead.Timeline.values)),
            )  # fmt: skip
            written += 1
            fate = index % 5
            if fate == 1:
                lead_services.qualify_lead(lead, seller)
            elif fate == 2:
                lead_services.disqualify_lead(lead, seller, reason=rng.choice(DISQUALIFIED))
            elif fate == 3:
                lead_services.qualify_lead(lead, seller)
                customer = (
                    Partner.objects.filter(company=company, owner=seller, is_customer=True)
                    .filter(kind=Partner.Kind.ORGANISATION)
                    .order_by("-id")[index : index + 1]
                    .first()
                )  # an existing customer of theirs: the demo's partners stay the generator's
                if customer is not None:
                    lead = lead_services.convert_lead(lead, seller, partner=customer, amount=lead.budget)
                    if lead.deal is not None:  # what the lead asked about, near its budget
                        interest = catalogue.interest(customer, lead.budget or Decimal(5000))
                        services.update_deal(
                            lead.deal, seller, amount=interest.amount, products=interest.products
                        )
            Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(days=rng.randrange(1, 330)))
    for index, (firm, person, need) in enumerate(LEAD_PEOPLE[:3]):
        lead_services.create_lead(
            company, None, source=Lead.Source.WEBSITE, source_ref=f"demo-web-{index}", company_name=firm,
            contact_name=person, need=need,
        )  # fmt: skip
        written += 1
    return written


@dataclass(frozen=True)
class Interest:
    products: list[tuple[Product, Decimal]]
    amount: Decimal  # what they come to at the customer's prices, without taxes
    subject: str  # "Chairs and desks"


class Catalogue:
    """Products of interest for demo deals: a few pieces of the demo's furniture (those the
    warehouse stocks first) in quantities that come near the deal's intended amount, with
    assembly hours now and then; the deal's amount is then what they cost the customer, so a
    quotation made from the deal comes to it (before taxes)."""

    def __init__(self, company: Company, rng: random.Random) -> None:
        self.company, self.rng = company, rng
        active = Product.objects.filter(company=company, active=True).select_related("category")
        furniture = active.filter(kind=Product.Kind.GOODS, category__path__startswith="Furniture")
        self.goods = list(furniture.order_by("sku")[:24])
        self.assembly = active.filter(sku="SRV-ASSEMBLY").first()

    def interest(self, customer: Partner, target: Decimal) -> Interest:
        if not self.goods:
            return Interest([], target, self.rng.choice(PRODUCTS))
        picked = self.rng.sample(self.goods, min(len(self.goods), self.rng.choice((1, 2, 2, 3))))
        shares = [Decimal(3), Decimal(2), Decimal(1)][: len(picked)]
        products: list[tuple[Product, Decimal]] = []
        amount = Decimal(0)
        for product, share in zip(picked, shares, strict=True):
            price = self._price(product, customer)
            quantity = max(Decimal(1), (target * share / sum(shares) / price).quantize(Decimal(1)))
            products.append((product, quantity))
            amount += price * quantity
        if self.assembly is not None and self.rng.random() < 0.4:
            hours = Decimal(self.rng.choice((4, 8, 16)))
            products.append((self.assembly, hours))
            amount += self._price(self.assembly, customer) * hours
        kinds = list(dict.fromkeys(product.category.name for product in picked if product.category))
        subject = " and ".join([kinds[0], *(kind.lower() for kind in kinds[1:2])]) if kinds else "Furniture"
        return Interest(products, amount.quantize(Decimal("0.01")), subject)

    def _price(self, product: Product, customer: Partner) -> Decimal:
        price = price_for(product, customer, currency=self.company.currency).unit_price
        return price if price > 0 else Decimal(1)


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
