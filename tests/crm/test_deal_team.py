"""A deal's sales team (issue 16): the owner's team unless chosen, editable within what the actor
may choose, and what the team filter, the per-team funnel and the KPIs read — each deal counted
once, for its own team, whichever teams its owner is in. Sam is in North; Sofia in South; Anna (a
sales manager) leads North; Dana is the sales director."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.crm import analytics, services, targets
from tandem.crm.models import Deal, Pipeline, SalesTeam
from tandem.partners.models import Partner
from tests.kit.api import api_client, assert_problem
from tests.kit.exports import export_rows, texts
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(
    company: Company, director: User, manager: User, salesperson: User, other_salesperson: User
) -> dict[str, SalesTeam]:
    return {
        "north": targets.create_team(company, director, name="North", leader=manager, members=[salesperson]),
        "south": targets.create_team(company, director, name="South", members=[other_salesperson]),
    }


@pytest.fixture
def hers(make_partner: Callable[..., Partner], other_salesperson: User) -> Partner:
    return make_partner("Biuro Kowalska", actor=other_salesperson)


def test_a_new_deal_counts_for_its_owners_one_team(
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], manager: User, salesperson: User
) -> None:
    assert make_deal().team == teams["north"]
    assert make_deal(actor=manager, owner=manager).team == teams["north"]  # a leader's team is theirs too
    assert make_deal(actor=manager, owner=salesperson).team == teams["north"]


def test_an_owner_in_several_teams_or_none_leaves_the_team_to_choose(
    company: Company, director: User, salesperson: User, make_deal: Callable[..., Deal],
    teams: dict[str, SalesTeam],
) -> None:  # fmt: skip
    targets.update_team(teams["south"], director, members=[salesperson])
    assert make_deal().team is None
    chosen = make_deal(team=teams["south"])
    assert chosen.team == teams["south"]
    targets.update_team(teams["south"], director, members=[])
    targets.update_team(teams["north"], director, members=[], leader=None)
    assert make_deal().team is None


def test_a_salesperson_chooses_only_a_team_they_are_in(
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], salesperson: User, director: User,
    other_company: Company,
) -> None:  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        make_deal(team=teams["south"])
    assert "team" in refused.value.stored_errors
    assert not Deal.objects.exists()  # nothing written
    deal = make_deal()
    with pytest.raises(ValidationFailed):
        services.update_deal(deal, salesperson, team=teams["south"])
    deal.refresh_from_db()
    assert deal.team == teams["north"] and deal.version == 1
    deal = services.update_deal(deal, director, team=teams["south"])  # the director may choose any
    assert deal.team == teams["south"]
    # once the director chose it, Sam may still edit the deal's other fields
    assert services.update_deal(deal, salesperson, team=teams["south"], title="Desks").title == "Desks"
    elsewhere = targets.create_team(other_company, None, name="Away")
    with pytest.raises(ValidationFailed) as foreign:
        services.update_deal(deal, director, team=elsewhere)
    assert "another company" in str(foreign.value.stored_errors["team"][0])


def test_a_new_owner_outside_the_team_brings_their_own(
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], director: User, other_salesperson: User,
    manager: User,
) -> None:  # fmt: skip
    deal = make_deal()
    moved = services.update_deal(deal, director, owner=other_salesperson, team=teams["north"])
    assert moved.team == teams["south"]
    back = services.update_deal(moved, director, owner=manager)  # anna leads North, not South
    assert back.team == teams["north"]
    chosen = services.update_deal(back, director, owner=other_salesperson, team=teams["north"])
    assert chosen.team == teams["south"]  # an unchanged team follows the owner...
    kept = services.update_deal(chosen, director, team=teams["north"])
    assert kept.team == teams["north"] and kept.owner == other_salesperson  # ...a changed one is kept


def test_kpis_count_each_won_deal_once_for_its_own_team(
    company: Company, director: User, salesperson: User, teams: dict[str, SalesTeam],
    make_deal: Callable[..., Deal],
) -> None:  # fmt: skip
    targets.update_team(teams["south"], director, members=[salesperson])  # Sam is in both teams now
    north_deal = make_deal(team=teams["north"], amount="1000.00")
    south_deal = make_deal(team=teams["south"], amount="300.00")
    for deal in (north_deal, south_deal):
        services.win_deal(deal, salesperson)
    month = timezone.localdate().replace(day=1)
    figures = {row.label: (row.revenue, row.deals) for row in analytics.kpis(director, company, month).teams}
    assert figures == {"North": (1000, 1), "South": (300, 1)}  # summing members counted 1300 in each
    sam = next(row for row in analytics.kpis(director, company, month).people if row.user == salesperson)
    assert (sam.revenue, sam.deals) == (1300, 2)


def test_the_team_filter_reads_the_deals_team(
    company: Company, director: User, salesperson: User, other_salesperson: User, hers: Partner,
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], pipeline: Pipeline,
) -> None:  # fmt: skip
    lent = make_deal(title="Lent to South")
    services.update_deal(lent, director, team=teams["south"])  # Sam's, counting for South
    make_deal(title="Sam for North")
    services.create_deal(company, other_salesperson, title="Sofia for South", partner=hers)

    def listed(user: User, team: SalesTeam) -> set[str]:
        client = signed_in(user)
        page = client.get(reverse("crm:deal_list"), {"team": team.pk}).content.decode()
        board = client.get(reverse("crm:board"), {"team": team.pk})
        cards = {d.title for column in board.context["columns"] for d in column.deals}
        rows = api_client(user).get("/api/v1/crm/deals/", {"team": team.pk}).json()["results"]
        titles = {row["title"] for row in rows}
        shown = {t for t in ("Lent to South", "Sam for North", "Sofia for South") if t in page}
        assert cards == titles == shown, (cards, titles, shown)
        return shown

    assert listed(director, teams["south"]) == {"Lent to South", "Sofia for South"}
    assert listed(director, teams["north"]) == {"Sam for North"}
    assert listed(salesperson, teams["south"]) == {"Lent to South"}  # never Sofia's deal
    scope = analytics.Scope(
        timezone.localdate(), timezone.localdate(), company.currency_id, pipeline, team=teams["south"]
    )
    assert analytics.funnel(director, scope).created == 2
    assert analytics.funnel(salesperson, scope).created == 1


def test_the_team_in_the_api_form_card_and_export(
    company: Company, director: User, salesperson: User, manager: User, teams: dict[str, SalesTeam],
    customer: Partner, other_company: Company, make_deal: Callable[..., Deal],
) -> None:  # fmt: skip
    client = api_client(salesperson)
    created = client.post("/api/v1/crm/deals/", {"title": "Desks", "partner": customer.pk}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["team"] == teams["north"].pk
    deal_url = f"/api/v1/crm/deals/{created.json()['id']}/"
    etag = client.get(deal_url)["ETag"]
    refused = client.patch(deal_url, {"team": teams["south"].pk}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(refused, 400, "team")
    elsewhere = targets.create_team(other_company, None, name="Away")
    director_client = api_client(director)
    etag = director_client.get(deal_url)["ETag"]
    foreign = director_client.patch(deal_url, {"team": elsewhere.pk}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(foreign, 400, "team")
    changed = director_client.patch(deal_url, {"team": teams["south"].pk}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["team"] == teams["south"].pk

    deal = Deal.objects.get(pk=created.json()["id"])
    page = signed_in(salesperson).get(reverse("crm:deal_edit", args=[deal.pk]))
    offered = {team.name for team in page.context["form"].fields["team"].queryset}
    assert offered == {"North", "South"}  # Sam's own, and the one the director gave the deal
    assert {t.name for t in signed_in(manager).get(reverse("crm:deal_create")).context["form"].fields[
        "team"].queryset} == {"North"}  # fmt: skip
    assert {
        t.name
        for t in signed_in(director).get(reverse("crm:deal_create")).context["form"].fields["team"].queryset
    } == {"North", "South"}  # fmt: skip — never another company's team
    assert "South" in signed_in(salesperson).get(reverse("crm:deal_detail", args=[deal.pk])).content.decode()
    rows = export_rows(signed_in(director).get(reverse("crm:deal_export"), {"format": "csv"}), "csv")
    assert "Team" in texts(rows[:1]) and "South" in texts(rows[1:])


def test_the_form_sets_the_team_and_empty_means_the_owners(
    salesperson: User, customer: Partner, teams: dict[str, SalesTeam], pipeline: Pipeline
) -> None:
    client = signed_in(salesperson)
    response = client.post(
        reverse("crm:deal_create"),
        {"title": "Chairs", "partner": customer.pk, "owner": salesperson.pk, "team": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Deal.objects.get(title="Chairs").team == teams["north"]
    response = client.post(
        reverse("crm:deal_create"),
        {"title": "Sofas", "partner": customer.pk, "owner": salesperson.pk, "team": teams["south"].pk},
    )
    assert response.status_code == 200 and not Deal.objects.filter(title="Sofas").exists()


def test_the_migration_gives_existing_deals_their_owners_one_team(
    company: Company, director: User, salesperson: User, other_salesperson: User, manager: User,
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], hers: Partner,
) -> None:  # fmt: skip
    from importlib import import_module

    fill_teams = import_module("tandem.crm.migrations.0011_deal_team").fill_teams
    sams = make_deal()
    annas = make_deal(actor=manager, owner=manager)
    sofias = services.create_deal(company, other_salesperson, title="Hers", partner=hers)
    kept = make_deal()
    services.update_deal(kept, director, team=teams["south"])
    targets.update_team(teams["south"], director, members=[other_salesperson, manager])  # anna: two teams
    Deal.objects.exclude(pk=kept.pk).update(team=None)  # as they were before the column
    fill_teams(apps, None)
    found = dict(Deal.objects.values_list("pk", "team_id"))
    assert found == {
        sams.pk: teams["north"].pk,
        annas.pk: None,  # leads North and is in South: a choice to make on the deal
        sofias.pk: teams["south"].pk,
        kept.pk: teams["south"].pk,  # a team already there stays
    }


def test_deals_of_another_company_are_not_filled_with_this_companys_team(
    company: Company, other_company: Company, make_user: Callable[..., User], teams: dict[str, SalesTeam],
) -> None:  # fmt: skip
    from importlib import import_module

    from tandem.crm.roles import SALES_DIRECTOR
    from tandem.partners.services import create_partner

    dual = make_user("dual", SALES_DIRECTOR)
    from tandem.core.services import grant_company

    grant_company(dual, other_company)
    targets.update_team(teams["north"], None, members=[dual])
    partner = create_partner(other_company, None, name="Abroad", allow_duplicate=True)
    abroad = services.create_deal(other_company, None, title="Abroad", partner=partner, owner=dual)
    assert abroad.team is None  # North is the other company's team, not this deal's
    import_module("tandem.crm.migrations.0011_deal_team").fill_teams(apps, None)
    abroad.refresh_from_db()
    assert abroad.team is None


def test_a_manager_sees_the_deals_that_count_for_the_team_they_lead(
    company: Company, director: User, manager: User, salesperson: User, other_salesperson: User,
    make_user: Callable[..., User], make_deal: Callable[..., Deal], teams: dict[str, SalesTeam],
) -> None:  # fmt: skip
    """Bob leads South; the director lends Sam's (North) deal to South: Bob now sees it, on every
    path and in his team's KPIs; Sofia, a salesperson in South, still does not."""
    from tandem.core import roles

    bob = make_user("bob", roles.SALES_MANAGER)
    targets.update_team(teams["south"], director, leader=bob)
    lent = make_deal(title="Lent to South", amount="700.00")
    assert not Deal.objects.visible_to(bob).filter(pk=lent.pk).exists()
    lent = services.update_deal(lent, director, team=teams["south"])
    services.win_deal(lent, salesperson)
    assert Deal.objects.visible_to(bob).filter(pk=lent.pk).exists()
    assert "Lent to South" in signed_in(bob).get(reverse("crm:deal_list")).content.decode()
    assert api_client(bob).get(f"/api/v1/crm/deals/{lent.pk}/").status_code == 200
    south = next(
        row for row in analytics.kpis(bob, company, timezone.localdate()).teams if row.team == teams["south"]
    )
    assert (south.revenue, south.deals) == (700, 1)
    assert not Deal.objects.visible_to(other_salesperson).filter(pk=lent.pk).exists()
    assert Deal.objects.visible_to(manager).filter(pk=lent.pk).exists()  # still Anna's: Sam is in North


def test_team_activities_count_for_the_deals_team_not_every_team_of_the_member(
    company: Company, director: User, salesperson: User, other_salesperson: User, hers: Partner,
    customer: Partner, teams: dict[str, SalesTeam], make_deal: Callable[..., Deal],
) -> None:  # fmt: skip
    """Sam is in North and South: a call on a North deal counts for North, two on a South deal for
    South, one on a customer alone for neither (he is in two teams: no one team is his), all four
    for Sam himself. Sofia (South only) logs one on her customer alone: South's. Summing members
    counted all of Sam's in both teams."""
    targets.update_team(teams["south"], director, members=[salesperson, other_salesperson])
    north_deal, south_deal = make_deal(team=teams["north"]), make_deal(team=teams["south"])
    services.log_activity(company, salesperson, deal=north_deal, subject="North call")
    for n in range(2):
        services.log_activity(company, salesperson, deal=south_deal, subject=f"South call {n}")
    services.log_activity(company, salesperson, partner=customer, subject="Courtesy call")
    services.log_activity(company, other_salesperson, partner=hers, subject="Her call")
    month = timezone.localdate()

    def activities(user: User) -> dict[str, int]:
        figures = analytics.kpis(user, company, month)
        return {row.label: row.activities for row in [*figures.teams, *figures.people]}

    seen = activities(director)
    assert (seen["North"], seen["South"]) == (1, 3)
    assert seen[str(salesperson)] == 4 and seen[str(other_salesperson)] == 1
    sofia = activities(other_salesperson)  # never Sam's calls on his own deals through her team's row
    assert sofia["South"] == 1 and str(salesperson) not in sofia
    sam = activities(salesperson)
    assert (sam["North"], sam["South"]) == (1, 2)  # his own, Sofia's unseen


def test_a_deals_team_is_cleared_by_the_director_or_the_teams_leader_only(
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], salesperson: User, manager: User,
    director: User, other_salesperson: User,
) -> None:  # fmt: skip
    """Emptying the team takes the deal out of every team (it stayed, or came back as, the owner's
    one team); a salesperson may not, saving the deal again keeps it empty, a new owner brings theirs."""
    deal = make_deal()
    with pytest.raises(ValidationFailed) as refused:
        services.update_deal(deal, salesperson, team=None)
    assert "team's leader" in str(refused.value.stored_errors["team"][0])
    deal.refresh_from_db()
    assert deal.team == teams["north"] and deal.version == 1  # nothing written
    cleared = services.update_deal(deal, manager, team=None)  # Anna leads North
    assert cleared.team is None
    again = services.update_deal(cleared, salesperson, team=None, title="Desks")  # the form posts it empty
    assert again.team is None and again.title == "Desks"
    lent = services.update_deal(make_deal(), director, team=teams["south"])
    with pytest.raises(ValidationFailed):
        services.update_deal(lent, manager, team=None)  # South is not Anna's
    assert services.update_deal(lent, director, team=None).team is None
    moved = services.update_deal(again, director, owner=other_salesperson)
    assert moved.team == teams["south"]  # a deal without a team takes its new owner's one


def test_the_team_is_cleared_through_the_api_and_the_form(
    teams: dict[str, SalesTeam], make_deal: Callable[..., Deal], salesperson: User, manager: User,
    director: User, customer: Partner,
) -> None:  # fmt: skip
    deal = make_deal()
    url = f"/api/v1/crm/deals/{deal.pk}/"
    sam = api_client(salesperson)
    refused = sam.patch(url, {"team": None}, format="json", HTTP_IF_MATCH=sam.get(url)["ETag"])
    assert_problem(refused, 400, "team")
    boss = api_client(director)
    cleared = boss.patch(url, {"team": None}, format="json", HTTP_IF_MATCH=boss.get(url)["ETag"])
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["team"] is None and Deal.objects.get(pk=deal.pk).team is None
    other = make_deal(title="Other")
    form = {"title": "Other", "partner": customer.pk, "owner": salesperson.pk, "team": "", "amount": "10"}
    page = signed_in(salesperson).post(reverse("crm:deal_edit", args=[other.pk]), form)
    assert page.status_code == 200 and Deal.objects.get(pk=other.pk).team == teams["north"]
    page = signed_in(manager).post(reverse("crm:deal_edit", args=[other.pk]), form)
    assert page.status_code == 302, page.content.decode()[:2000]
    assert Deal.objects.get(pk=other.pk).team is None
    assert "counts for no team" in str(Deal._meta.get_field("team").help_text)
