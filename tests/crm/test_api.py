"""``/api/v1/crm/…``: the declared cases for deals and activities, and the deal actions."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tandem.accounting.roles import AUDITOR
from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Activity, Deal, LostReason, Pipeline, Stage
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.kit.api import ApiAction, ApiCases, api_client, assert_problem
from tests.kit.records import Kit, Snapshot, assert_unchanged

_names = itertools.count(1)


def _customer(company: Company, actor: User | None) -> Partner:
    return create_partner(company, actor, name=f"Customer {next(_names)}", allow_duplicate=True)


def _next_stage(kit: Kit, deal: Deal) -> dict[str, Any]:
    return {"stage": deal.pipeline.stages.get(name="Proposal").pk}


def _reason(kit: Kit, deal: Deal) -> dict[str, Any]:
    return {"reason": LostReason.objects.filter(company=deal.company).first().pk, "note": "Too dear"}  # type: ignore[union-attr]


class TestDealApi(ApiCases):
    model = Deal
    collection = "/api/v1/crm/deals/"
    reader_role = AUDITOR
    name_field = "title"
    archives = False
    create_body = {"title": "Chairs", "amount": "4200.00", "currency": "EUR"}
    update_body = {"title": "Chairs and desks", "amount": "9000.00"}
    stale_body = {"title": "Chairs (stale)"}
    bad_bodies = [
        ({"amount": "-1"}, "amount"),
        ({"probability": "101"}, "probability"),
        ({"state": "won"}, "state"),
    ]
    actions = [
        ApiAction("move", _next_stage, event="deal.moved"),
        ApiAction("win", lambda kit, deal: {}, event="deal.won"),
        ApiAction("lose", _reason, event="deal.lost"),
    ]

    @pytest.fixture(autouse=True)
    def _customer_of_the_body(self, kit: Kit) -> None:
        """The customer a create names, made before the test looks for changes."""
        kit.extra["customer"] = _customer(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_body, "partner": kit.extra["customer"].pk}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Deal:
        fields.setdefault("title", f"Deal {next(_names)}")
        fields.setdefault("partner", _customer(company, actor))
        return services.create_deal(company, actor, amount="100", **fields)


class TestActivityApi(ApiCases):
    model = Activity
    collection = "/api/v1/crm/activities/"
    reader_role = AUDITOR
    name_field = "subject"
    archives = False
    create_body = {"kind": "call", "subject": "Call back", "due_at": "2031-01-02T10:00:00Z"}
    update_body = {"subject": "Call back about the sample"}
    stale_body = {"subject": "Call (stale)"}
    bad_bodies = [({"subject": ""}, "subject"), ({"kind": "fax"}, "kind")]
    actions = [
        ApiAction("complete", lambda kit, a: {"outcome": "Done", "duration": 5}, event="activity.done")
    ]

    @pytest.fixture(autouse=True)
    def _customer_of_the_body(self, kit: Kit) -> None:
        """The customer a create names, made before the test looks for changes."""
        kit.extra["customer"] = _customer(kit.company, kit.editor)

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_body, "partner": kit.extra["customer"].pk}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Activity:
        fields.setdefault("subject", f"Call {next(_names)}")
        fields.setdefault("partner", _customer(company, actor))
        return services.schedule_activity(company, actor, due_at=timezone.now() + timedelta(days=1), **fields)


class TestStageApi(ApiCases):
    """``/api/v1/crm/stages/``: a pipeline's stages one by one (issue 16 lists the resource)."""

    model = Stage
    collection = "/api/v1/crm/stages/"
    reader_role = AUDITOR
    archives = False
    exportable = False  # stages are exported with their pipelines
    create_body = {"name": "Demo done", "probability": "40.00", "stall_days": 5}
    update_body = {"name": "Demo given", "stall_days": 3}
    stale_body = {"name": "Demo (stale)"}
    bad_bodies = [
        ({"probability": "101"}, "probability"),
        ({"name": ""}, "name"),
        ({"is_won": True}, "is_won"),  # the pipeline has its won stage already
    ]

    def create_payload(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_body, "pipeline": services.ensure_setup(kit.company, kit.editor).pk}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Stage:
        fields.setdefault("name", f"Stage {next(_names)}")
        return services.add_stage(services.ensure_setup(company, actor), actor, **fields)


def test_a_stage_is_added_to_a_pipeline_and_listed_in_board_order(company: Company, manager: User) -> None:
    pipeline = services.ensure_setup(company, manager)
    other = services.create_pipeline(company, manager, name="Renewals", stages=[{"name": "Due"}])
    client = api_client(manager)
    added = client.post(
        "/api/v1/crm/stages/", {"pipeline": pipeline.pk, "name": "Demo", "sequence": 15}, format="json"
    )
    assert added.status_code == 201, added.content
    assert added.json()["pipeline"] == pipeline.pk
    listed = client.get("/api/v1/crm/stages/", {"pipeline": pipeline.pk}).json()["results"]
    assert [row["name"] for row in listed][:3] == ["New", "Demo", "Qualified"]
    assert {row["pipeline"] for row in listed} == {pipeline.pk}
    assert_problem(client.delete(f"/api/v1/crm/stages/{added.json()['id']}/"), 409)
    assert Stage.objects.filter(pk=added.json()["id"]).exists()
    assert [
        row["name"] for row in client.get("/api/v1/crm/stages/", {"pipeline": other.pk}).json()["results"]
    ] == ["Due"]


def test_a_salesperson_reads_stages_and_changes_none(company: Company, salesperson: User) -> None:
    pipeline = services.ensure_setup(company, None)
    stage = pipeline.stages.get(name="New")
    client = api_client(salesperson)
    assert client.get(f"/api/v1/crm/stages/{stage.pk}/").status_code == 200
    before = Snapshot.of(Stage)
    refused = client.post("/api/v1/crm/stages/", {"pipeline": pipeline.pk, "name": "Mine"}, format="json")
    assert refused.status_code == 403
    assert_unchanged(before, Stage, None, "a salesperson adding a stage")
    assert Pipeline.objects.filter(company=company).count() == 1


def test_a_lost_deal_without_a_reason_and_a_won_deal_moved_are_problems(
    company: Company, salesperson: User, make_partner: Any
) -> None:
    deal = services.create_deal(company, salesperson, title="Sofas", partner=make_partner(actor=salesperson))
    client = api_client(salesperson)
    before = Snapshot.of(Deal, deal)
    assert_problem(client.post(f"/api/v1/crm/deals/{deal.pk}/lose/", {}, format="json"), 400, "reason")
    assert_unchanged(before, Deal, deal, "losing without a reason")
    assert client.post(f"/api/v1/crm/deals/{deal.pk}/win/", {}, format="json").status_code == 200
    new = deal.pipeline.stages.get(name="New").pk
    won = Snapshot.of(Deal, deal)
    assert_problem(client.post(f"/api/v1/crm/deals/{deal.pk}/move/", {"stage": new}, format="json"), 409)
    assert_unchanged(won, Deal, deal, "moving a won deal")
    response = client.post(f"/api/v1/crm/deals/{deal.pk}/reopen/", {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "open"


def test_a_salesperson_does_not_reach_a_colleagues_deal(
    company: Company, salesperson: User, other_salesperson: User, make_partner: Any
) -> None:
    theirs = services.create_deal(
        company, other_salesperson, title="Theirs", partner=make_partner(actor=other_salesperson)
    )
    client = api_client(salesperson)
    assert client.get(f"/api/v1/crm/deals/{theirs.pk}/").status_code == 404
    assert theirs.pk not in [row["id"] for row in client.get("/api/v1/crm/deals/").json()["results"]]
    assert client.post(f"/api/v1/crm/deals/{theirs.pk}/win/", {}, format="json").status_code == 404


def test_pipelines_list_their_stages(company: Company, manager: User) -> None:
    services.ensure_setup(company, manager)
    rows = api_client(manager).get("/api/v1/crm/pipelines/").json()["results"]
    assert [s["name"] for s in rows[0]["stages"]][:2] == ["New", "Qualified"]
    created = api_client(manager).post(
        "/api/v1/crm/pipelines/",
        {"name": "Renewals", "stages": [{"name": "Up", "probability": "50"}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert [s["name"] for s in created.json()["stages"]] == ["Up"]
