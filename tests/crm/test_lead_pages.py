"""Lead pages and ``/api/v1/crm/leads/``: the declared cases (list, card, create, edit, actions,
permissions, another company, stale version, bad input, export, query counts), the record rules
through the list, the export and the API, and conversion from the page and the API."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.roles import AUDITOR
from tandem.core.models import Company, Event, User
from tandem.crm import services
from tandem.crm.models import Deal, Lead, Pipeline
from tandem.partners.models import Partner
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem
from tests.kit.exports import export_rows, texts
from tests.kit.records import Snapshot, assert_unchanged
from tests.kit.views import Action, ViewCases, signed_in

_names = itertools.count(1)


def _make(company: Company, actor: User | None, **fields: Any) -> Lead:
    fields.setdefault("title", f"Lead {next(_names)}")
    fields.setdefault("contact_name", "Ewa Kowal")
    return services.create_lead(company, actor, **fields)


class TestLeadPages(ViewCases):
    model = Lead
    namespace = "crm"
    url_prefix = "lead_"
    name_field = "title"
    reader_role = AUDITOR
    create_data = {"title": "Hotel Morska", "company_name": "Hotel Morska", "email": "ewa@morska.pl"}
    edit_changes = {"title": "Hotel Morska (40 rooms)", "budget": "12000.00"}
    stale_changes = {"title": "Hotel (stale)"}
    bad_input = [({"budget": "-5"}, "budget"), ({"email": "nope"}, "email")]
    actions = [
        Action("crm:lead_qualify", lambda kit, lead: {}, "lead.qualified"),
        Action("crm:lead_disqualify", lambda kit, lead: {"reason": "A student project"}, "lead.disqualified"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Lead:
        return _make(company, actor, **fields)


class TestLeadApi(ApiCases):
    model = Lead
    collection = "/api/v1/crm/leads/"
    reader_role = AUDITOR
    name_field = "title"
    archives = False
    create_body = {"title": "Hotel Morska", "company_name": "Hotel Morska", "budget": "12000.00"}
    update_body = {"title": "Hotel Morska (40 rooms)", "budget": "15000.00"}
    stale_body = {"title": "Hotel (stale)"}
    bad_bodies = [
        ({"budget": "-1"}, "budget"),
        ({"email": "nope"}, "email"),
        ({"state": "converted"}, "state"),
    ]
    actions = [
        ApiAction("qualify", lambda kit, lead: {}, event="lead.qualified"),
        ApiAction("disqualify", lambda kit, lead: {"reason": "Spam"}, event="lead.disqualified"),
        ApiAction("convert", lambda kit, lead: {"allow_duplicate": True}, event="lead.converted"),
    ]

    def make(self, company: Company, actor: User | None, **fields: Any) -> Lead:
        return _make(company, actor, **fields)


@pytest.fixture
def pipeline(company: Company, manager: User) -> Pipeline:
    return services.ensure_setup(company, manager)


def test_a_salesperson_sees_only_their_leads_on_the_list_the_export_and_the_api(
    company: Company, salesperson: User, other_salesperson: User, director: User
) -> None:
    mine = _make(company, salesperson, title="Mine")
    _make(company, other_salesperson, title="Theirs")
    _make(company, None, title="Unassigned web lead", source="website")
    client = signed_in(salesperson)
    listed = client.get(reverse("crm:lead_list"))
    body = listed.content.decode()
    assert "Mine" in body and "Theirs" not in body and "Unassigned web lead" not in body
    exported = texts(export_rows(client.get(reverse("crm:lead_export"), {"format": "csv"}), "csv"))
    assert "Mine" in exported and "Theirs" not in exported and "Unassigned web lead" not in exported
    api = api_client(salesperson)
    assert [row["title"] for row in api.get("/api/v1/crm/leads/").json()["results"]] == ["Mine"]
    theirs = Lead.objects.get(title="Theirs")
    assert api.get(f"/api/v1/crm/leads/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/crm/leads/{theirs.pk}/qualify/").status_code == 404
    assert client.get(reverse("crm:lead_detail", args=[theirs.pk])).status_code == 404
    everyone = {row["title"] for row in api_client(director).get("/api/v1/crm/leads/").json()["results"]}
    assert everyone == {"Mine", "Theirs", "Unassigned web lead"}
    assert mine.owner == salesperson


def test_converting_with_a_duplicate_links_the_customer_the_person_picks(
    company: Company, salesperson: User, pipeline: Pipeline
) -> None:
    from tandem.partners.services import create_partner

    existing = create_partner(company, salesperson, name="Hotel Morska sp. z o.o.", email="biuro@morska.pl")
    lead = _make(company, salesperson, company_name="Hotel Morska", contact_name="", email="biuro@morska.pl")
    client = signed_in(salesperson)
    page = client.get(reverse("crm:lead_convert", args=[lead.pk]))
    assert page.status_code == 200 and "Hotel Morska sp. z o.o." in page.content.decode()
    renewals = services.create_pipeline(company, salesperson, name="Renewals", stages=services.DEFAULT_STAGES)
    answer = client.post(
        reverse("crm:lead_convert", args=[lead.pk]),
        {
            "customer": str(existing.pk),
            "open_deal": "on",
            "pipeline": renewals.pk,
            "title": "",
            "amount": "900",
        },
    )
    assert answer.status_code == 302
    lead.refresh_from_db()
    assert lead.state == "converted" and lead.partner == existing and lead.deal is not None
    assert lead.deal.pipeline == renewals and lead.deal.amount == 900 and lead.deal.partner == existing
    assert answer["Location"] == lead.deal.get_absolute_url()
    timeline = set(Event.objects.filter(partner_id=existing.pk).values_list("name", flat=True))
    assert {"lead.converted", "deal.created"} <= timeline
    assert Partner.objects.filter(company=company).count() == 1


def test_the_api_refuses_a_new_customer_while_a_duplicate_exists_and_writes_nothing(
    company: Company, salesperson: User, pipeline: Pipeline
) -> None:
    from tandem.partners.services import create_partner

    existing = create_partner(company, salesperson, name="Hotel Morska", email="biuro@morska.pl")
    lead = _make(company, salesperson, company_name="Hotel Morska", contact_name="Ewa", email="ewa@morska.pl")
    api = api_client(salesperson)
    found = api.get(f"/api/v1/crm/leads/{lead.pk}/duplicates/").json()
    assert [row["id"] for row in found] == [existing.pk]
    before = (Snapshot.of(Partner), Snapshot.of(Deal), Snapshot.of(Lead, lead))
    refused = api.post(f"/api/v1/crm/leads/{lead.pk}/convert/", {}, format="json")
    assert refused.status_code in (400, 409), refused.content
    assert_unchanged(before[0], Partner, None, "a refused conversion")
    assert_unchanged(before[1], Deal, None, "a refused conversion")
    assert_unchanged(before[2], Lead, lead, "a refused conversion")
    done = api.post(f"/api/v1/crm/leads/{lead.pk}/convert/", {"partner": existing.pk}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "converted" and done.json()["partner"] == existing.pk
    deal = Deal.objects.get(pk=done.json()["deal"])
    assert deal.partner == existing and deal.owner == salesperson
    again = api.post(f"/api/v1/crm/leads/{lead.pk}/convert/", {"partner": existing.pk}, format="json")
    assert_problem(again, 409)


def test_a_new_customer_from_a_lead_is_the_company_with_its_contact_person(
    company: Company, salesperson: User, pipeline: Pipeline
) -> None:
    lead = _make(
        company, salesperson, company_name="Pension Alpina", contact_name="Jana Novak",
        email="jana@alpina.si", budget="4000", need="Ten beds",
    )  # fmt: skip
    services.qualify_lead(lead, salesperson)
    services.convert_lead(lead, salesperson)
    lead.refresh_from_db()
    organisation, deal = lead.partner, lead.deal
    assert organisation is not None and deal is not None
    assert organisation.kind == "organisation" and organisation.owner == salesperson
    person = Partner.objects.get(organisation=organisation)
    assert person.name == "Jana Novak" and person.email == "jana@alpina.si"
    assert deal.contact == person and deal.amount == 4000 and deal.notes == "Ten beds"
