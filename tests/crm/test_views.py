"""CRM pages: the declared cases (list, card, create, edit, actions, permissions, another
company, stale version, bad input, export, query counts) and the CRM's own: the board and its
drag, the agenda, the partner card's panels, and what a salesperson may see."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tandem.accounting.roles import AUDITOR
from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.models import Activity, Deal, LostReason, Pipeline
from tandem.partners.models import Partner
from tandem.partners.services import create_partner
from tests.kit.exports import export_rows, texts
from tests.kit.records import Kit, Snapshot, assert_unchanged
from tests.kit.views import Action, ViewCases, signed_in

HTMX = {"HTTP_HX_REQUEST": "true"}
_names = itertools.count(1)


def _customer(company: Company, actor: User | None) -> Partner:
    return create_partner(company, actor, name=f"Customer {next(_names)}", allow_duplicate=True)


def _reason(kit: Kit, deal: Deal) -> dict[str, Any]:
    return {"reason": LostReason.objects.filter(company=deal.company).first().pk}  # type: ignore[union-attr]


class TestDealPages(ViewCases):
    model = Deal
    namespace = "crm"
    url_prefix = "deal_"
    name_field = "title"
    reader_role = AUDITOR
    create_data = {"title": "Desks for the new floor", "amount": "12500.00"}
    edit_changes = {"title": "Desks for two floors", "amount": "25000.00"}
    stale_changes = {"title": "Desks (stale)"}
    bad_input = [({"amount": "-5"}, "amount"), ({"probability": "140"}, "probability")]
    actions = [
        Action("crm:deal_win", lambda kit, deal: {}, "deal.won"),
        Action("crm:deal_lose", _reason, "deal.lost"),
    ]

    @pytest.fixture(autouse=True)
    def _customer_of_the_form(self, kit: Kit) -> None:
        """The customer the create form names, made before the test looks for changes."""
        kit.extra["customer"] = _customer(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "partner": kit.extra["customer"].pk}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Deal:
        fields.setdefault("title", f"Deal {next(_names)}")
        fields.setdefault("partner", _customer(company, actor))
        fields.setdefault("amount", "1000")
        return services.create_deal(company, actor, **fields)


class TestActivityPages(ViewCases):
    model = Activity
    namespace = "crm"
    url_prefix = "activity_"
    name_field = "subject"
    reader_role = AUDITOR
    create_data = {"kind": "call", "subject": "Call about the offer", "due_at": "2031-05-04T10:30"}
    edit_changes = {"subject": "Call about the second offer"}
    stale_changes = {"subject": "Call (stale)"}
    bad_input = [({"subject": ""}, "subject"), ({"duration": "-3"}, "duration")]
    actions = [
        Action("crm:activity_complete", lambda kit, a: {"outcome": "Agreed"}, "activity.done"),
        Action("crm:activity_cancel", lambda kit, a: {}, "activity.cancelled"),
    ]

    @pytest.fixture(autouse=True)
    def _customer_of_the_form(self, kit: Kit) -> None:
        """The customer the create form names, made before the test looks for changes."""
        kit.extra["customer"] = _customer(kit.company, kit.editor)

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**super().create_form(kit), "partner": kit.extra["customer"].pk}

    def make(self, company: Company, actor: User | None, **fields: Any) -> Activity:
        fields.setdefault("subject", f"Call {next(_names)}")
        fields.setdefault("partner", _customer(company, actor))
        fields.setdefault("due_at", timezone.now() + timedelta(days=1))
        return services.schedule_activity(company, actor, kind="call", **fields)


# --- the board ------------------------------------------------------------------------------


@pytest.fixture
def deal(make_deal: Callable[..., Deal]) -> Deal:
    return make_deal()


def test_the_board_shows_a_column_per_stage_with_count_and_weighted_sum(
    salesperson: User, make_deal: Callable[..., Deal], pipeline: Pipeline, company: Company
) -> None:
    make_deal(amount="10000")
    make_deal(amount="5000", probability="50")
    overdue = make_deal(title="Late one")
    services.schedule_activity(
        company, salesperson, deal=overdue, subject="Chase them", due_at=timezone.now() - timedelta(hours=3)
    )
    response = signed_in(salesperson).get(reverse("crm:board"))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.stage.name for c in columns] == ["New", "Qualified", "Proposal", "Negotiation", "Won"]
    new = columns[0]
    assert new.count == 3 and str(new.weighted) == "4500.00"  # 10% of 10000 and 10000, 50% of 5000
    page = response.content.decode()
    assert "Chase them" in page and "data-overdue" in page
    assert "crm/board.js" in page and 'draggable="true"' in page


def test_a_stalled_deal_wears_a_badge_on_the_board(
    salesperson: User, make_deal: Callable[..., Deal], company: Company
) -> None:
    quiet = make_deal(title="Gone quiet")  # "New" stalls after 7 days without activity
    make_deal(title="Fresh one")
    Deal.objects.filter(pk=quiet.pk).update(
        stage_changed_at=timezone.now() - timedelta(days=9),
        last_activity_at=timezone.now() - timedelta(days=8),
    )
    response = signed_in(salesperson).get(reverse("crm:board"))
    cards = {d.title: d.stalled for c in response.context["columns"] for d in c.deals}
    assert cards == {"Gone quiet": True, "Fresh one": False}
    page = response.content.decode()
    assert page.count("data-stalled") == 1 and ">Stalled</span>" in page
    with translation.override("ru"):
        ru = signed_in(salesperson).get(reverse("crm:board"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert ">Stalled</span>" not in ru and "data-stalled" in ru


def test_dragging_a_card_saves_the_move_and_answers_the_board(
    salesperson: User, deal: Deal, pipeline: Pipeline
) -> None:
    qualified = pipeline.stages.get(name="Qualified")
    response = signed_in(salesperson).post(
        reverse("crm:deal_move", args=[deal.pk]), {"stage": qualified.pk, "version": deal.version}, **HTMX
    )
    assert response.status_code == 200 and 'id="deal-board"' in response.content.decode()
    assert "<html" not in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == qualified
    assert [c.count for c in response.context["columns"]][:2] == [0, 1]


def test_a_refused_drag_shows_why_and_changes_nothing(
    salesperson: User, make_deal: Callable[..., Deal], pipeline: Pipeline
) -> None:
    won = services.win_deal(make_deal(), salesperson)
    before = Snapshot.of(Deal, won)
    response = signed_in(salesperson).post(
        reverse("crm:deal_move", args=[won.pk]), {"stage": pipeline.stages.get(name="New").pk}, **HTMX
    )
    assert response.status_code == 200 and "reopen it" in response.content.decode()
    assert_unchanged(before, Deal, won, "dragging a won deal")


def test_lose_from_the_card_needs_a_reason(salesperson: User, deal: Deal) -> None:
    client = signed_in(salesperson)
    before = Snapshot.of(Deal, deal)
    response = client.post(reverse("crm:deal_lose", args=[deal.pk]), {"reason": ""}, follow=True)
    assert "Choose why the deal was lost." in response.content.decode()
    assert_unchanged(before, Deal, deal, "losing without a reason")


# --- what a salesperson sees ----------------------------------------------------------------


@pytest.fixture
def two_books(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    pipeline: Pipeline,
) -> dict[str, Deal]:
    mine = make_partner("Mine Ltd", actor=salesperson)
    theirs = make_partner("Theirs Ltd", actor=other_salesperson)
    return {
        "mine": services.create_deal(company, salesperson, title="My deal", partner=mine),
        "theirs": services.create_deal(company, other_salesperson, title="Their deal", partner=theirs),
    }


def test_a_salesperson_sees_only_their_deals_everywhere(
    salesperson: User, two_books: dict[str, Deal]
) -> None:
    client = signed_in(salesperson)
    theirs = two_books["theirs"]
    listed = client.get(reverse("crm:deal_list")).content.decode()
    assert "My deal" in listed and "Their deal" not in listed
    board = client.get(reverse("crm:board")).content.decode()
    assert "My deal" in board and "Their deal" not in board
    rows = export_rows(client.get(reverse("crm:deal_export"), {"format": "csv"}), "csv")
    assert "My deal" in texts(rows) and "Their deal" not in texts(rows)
    for name in ["crm:deal_detail", "crm:deal_edit"]:
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    before = Snapshot.of(Deal, theirs)
    for name in ["crm:deal_win", "crm:deal_move", "crm:deal_reopen"]:
        assert client.post(reverse(name, args=[theirs.pk]), {"stage": theirs.stage_id}).status_code == 404, (
            name
        )
    assert_unchanged(before, Deal, theirs, "a colleague's deal")


def test_the_manager_sees_the_teams_deals(
    manager: User, director: User, salesperson: User, company: Company, two_books: dict[str, Deal]
) -> None:
    from tandem.crm import targets

    targets.create_team(company, director, name="North", leader=manager, members=[salesperson])
    listed = signed_in(manager).get(reverse("crm:deal_list")).content.decode()
    assert "My deal" in listed and "Their deal" not in listed  # Sam is in Anna's team, Sofia is not
    listed = signed_in(director).get(reverse("crm:deal_list")).content.decode()
    assert "My deal" in listed and "Their deal" in listed


# --- agenda and the customer card -----------------------------------------------------------


def test_my_agenda_has_overdue_today_and_this_week(
    salesperson: User, other_salesperson: User, deal: Deal, company: Company
) -> None:
    now = timezone.localtime()
    for subject, due in [
        ("Overdue call", now - timedelta(days=2)),
        ("Next week call", now + timedelta(days=3)),
        ("Far call", now + timedelta(days=30)),
    ]:
        services.schedule_activity(company, salesperson, deal=deal, subject=subject, due_at=due)
    response = signed_in(salesperson).get(reverse("crm:agenda"))
    sections = {key: [a.subject for a in items] for key, _label, items in response.context["sections"]}
    assert sections["overdue"] == ["Overdue call"] and sections["week"] == ["Next week call"]
    assert "Far call" not in response.content.decode()
    assert signed_in(other_salesperson).get(reverse("crm:agenda")).context["sections"][0][2] == []


def test_the_customer_card_shows_its_deals_and_activities(
    salesperson: User, deal: Deal, company: Company
) -> None:
    services.log_activity(company, salesperson, deal=deal, kind="call", subject="Intro call", outcome="Keen")
    response = signed_in(salesperson).get(reverse("partners:detail", args=[deal.partner_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert deal.title in page and "Intro call" in page
    assert f"{reverse('crm:deal_create')}?partner={deal.partner_id}" in page


def test_pipeline_settings_add_a_stage(manager: User, pipeline: Pipeline) -> None:
    client = signed_in(manager)
    assert client.get(reverse("crm:pipeline_detail", args=[pipeline.pk])).status_code == 200
    response = client.post(
        reverse("crm:stage_create", args=[pipeline.pk]),
        {"name": "Demo given", "probability": "40", "sequence": "25"},
    )
    assert response.status_code == 302
    assert pipeline.stages.filter(name="Demo given", probability=40).exists()
    bad = client.post(reverse("crm:stage_create", args=[pipeline.pk]), {"name": "X", "probability": "140"})
    assert bad.status_code == 200 and "probability" in bad.context["form"].errors


def test_other_company_pipeline_is_not_found(manager: User, other_company: Company) -> None:
    foreign = services.ensure_setup(other_company, None)
    client: Client = signed_in(manager)
    assert client.get(reverse("crm:pipeline_detail", args=[foreign.pk])).status_code == 404
    assert client.get(f"{reverse('crm:board')}?pipeline={foreign.pk}").context["pipeline"] != foreign
