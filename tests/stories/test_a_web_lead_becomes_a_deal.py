"""A web lead becomes a deal: the hotel fills the contact form on the company's website; the
sales director finds the new lead and gives it to Sam; Sam calls, qualifies it and converts it —
the conversion page shows that the hotel is already a customer (same e-mail), Sam picks it
instead of making a duplicate, and a deal opens in the pipeline. The customer's timeline shows
the conversion and the deal; then the invariants hold."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tandem.core.models import Company, Event, User
from tandem.crm import services
from tandem.crm.models import Deal, Lead
from tandem.crm.roles import SALES_DIRECTOR
from tandem.crm.services import capture
from tandem.partners.models import Partner
from tests.kit.views import signed_in


def test_a_web_lead_becomes_a_deal(
    company: Company,
    salesperson: User,
    manager: User,
    make_user: Callable[..., User],
    make_partner: Callable[..., Partner],
) -> None:
    cache.clear()
    director = make_user("dana", SALES_DIRECTOR)  # the web leads nobody owns wait for her
    customer = make_partner("Hotel Morska sp. z o.o.", actor=salesperson, email="biuro@morska.pl")
    key = capture.capture_key(company, manager).key

    # 1. The website's form posts the lead (the hidden honeypot left empty).
    web = Client(REMOTE_ADDR="198.51.100.20").post(
        reverse("crm:lead_capture", args=[key]),
        {"company_name": "Hotel Morska", "contact_name": "Ewa Kowal", "email": "BIURO@morska.pl",
         "phone": "601 234 567", "need": "Chairs for 40 rooms", "budget": "24000", "timeline": "quarter",
         "website": ""},
    )  # fmt: skip
    assert web.status_code == 201
    lead = Lead.objects.get()
    assert (lead.source, lead.state, lead.owner) == ("website", "new", None)

    # 2. The sales director sees it among the new leads and gives it to Sam, who alone of the
    #    salespeople sees it from then on.
    dana = signed_in(director)
    listed = dana.get(reverse("crm:lead_list"), {"state": "new", "source": "website"})
    assert "Hotel Morska" in listed.content.decode()
    assert not Lead.objects.visible_to(salesperson).exists()
    services.update_lead(lead, director, owner=salesperson)
    assert list(Lead.objects.visible_to(salesperson)) == [lead]

    # 3. Sam qualifies it from the lead's page.
    sam = signed_in(salesperson)
    assert sam.post(reverse("crm:lead_qualify", args=[lead.pk])).status_code == 302
    lead.refresh_from_db()
    assert lead.state == "qualified" and lead.qualified_by == salesperson

    # 4. Converting: the page shows the hotel already on file (same e-mail); Sam picks it.
    page = sam.get(reverse("crm:lead_convert", args=[lead.pk]))
    assert [c["partner"] for c in page.context["candidates"]] == [customer]
    done = sam.post(
        reverse("crm:lead_convert", args=[lead.pk]),
        {"customer": str(customer.pk), "open_deal": "on", "title": "Chairs for Hotel Morska", "amount": ""},
    )
    assert done.status_code == 302
    lead.refresh_from_db()
    deal = Deal.objects.get()
    assert (lead.state, lead.partner, lead.deal) == ("converted", customer, deal)
    assert (deal.partner, deal.owner, deal.amount, deal.source) == (customer, salesperson, 24000, "website")
    assert deal.stage.name == "New" and deal.pipeline.is_default
    assert Partner.objects.filter(company=company).count() == 1  # no duplicate customer

    # 5. The customer's timeline tells it: the lead converted, the deal opened.
    timeline = list(Event.objects.filter(partner_id=customer.pk).values_list("name", flat=True))
    assert "lead.converted" in timeline and "deal.created" in timeline
    card = sam.get(customer.get_absolute_url())
    assert card.status_code == 200 and "Chairs for Hotel Morska" in card.content.decode()

    # 6. A converted lead stays as it was.
    assert sam.get(reverse("crm:lead_convert", args=[lead.pk])).status_code in (200, 404)
    assert services.lead_duplicates(lead, salesperson)[0].partner == customer
