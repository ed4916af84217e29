"""``GET /api/v1/crm/analytics/kpis/`` (issue 16): the targets and KPIs page's figures, read-only,
per month and per sales manager, from the same queries as the page; who may read whose. Anna
leads North (Sam); Bob leads South (Sofia); Dana is the sales director."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core import roles
from tandem.core.models import Company, User
from tandem.crm import services, targets
from tandem.crm.models import Pipeline, SalesTeam
from tandem.partners.models import Partner
from tests.kit.api import api_client, assert_problem
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db
URL = "/api/v1/crm/analytics/kpis/"


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    return make_user("bob", roles.SALES_MANAGER)


@pytest.fixture
def month() -> str:
    return f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def teams(
    company: Company, director: User, manager: User, bob: User, salesperson: User, other_salesperson: User,
    pipeline: Pipeline, make_partner: Callable[..., Partner],
) -> dict[str, SalesTeam]:  # fmt: skip
    north = targets.create_team(company, director, name="North", leader=manager, members=[salesperson])
    south = targets.create_team(company, director, name="South", leader=bob, members=[other_salesperson])
    first = timezone.localdate().replace(day=1)
    targets.set_target(company, director, month=first, user=salesperson, revenue="4000", deals=4)
    targets.set_target(company, director, month=first, team=north, revenue="10000", deals=5, activities=2)
    for person, amount in ((salesperson, "1000.00"), (other_salesperson, "3000.00")):
        customer = make_partner(f"Customer of {person.username}", actor=person)
        deal = services.create_deal(
            company, person, title=f"Won by {person}", partner=customer, amount=amount
        )
        services.win_deal(deal, person)
        services.log_activity(company, person, partner=customer, subject="Call", outcome="Spoke")
    return {"north": north, "south": south}


def _people(body: dict[str, Any]) -> dict[str, tuple[str, int, int]]:
    return {row["name"]: (row["revenue"], row["deals"], row["activities"]) for row in body["people"]}


def test_the_api_answers_what_the_kpi_page_shows(
    teams: dict[str, SalesTeam], director: User, salesperson: User, month: str
) -> None:
    response = api_client(director).get(URL, {"month": month})
    assert response.status_code == 200, response.content
    body = response.json()
    page = signed_in(director).get(reverse("crm:kpis"), {"month": month}).context["kpis"]
    assert body["month"] == f"{month}-01" and body["currency"] == page.currency == "EUR"
    assert [(row["name"], row["rank"], row["revenue"]) for row in body["people"]] == [
        (row.label, row.rank, f"{row.revenue:.2f}") for row in page.people
    ]
    assert [(row["name"], row["team"], row["revenue"], row["deals"]) for row in body["teams"]] == [
        (row.label, row.team.pk, f"{row.revenue:.2f}", row.deals) for row in page.teams
    ]
    sam = next(row for row in body["people"] if row["user"] == salesperson.pk)
    assert (sam["revenue"], sam["deals"], sam["activities"]) == ("1000.00", 1, 1)
    assert sam["target"] == {"revenue": "4000.00", "deals": 4, "activities": 0}
    assert (sam["revenue_progress"], sam["deals_progress"], sam["activities_progress"]) == (
        "25.0",
        "25.0",
        None,
    )
    north = next(row for row in body["teams"] if row["name"] == "North")
    assert (north["revenue"], north["revenue_progress"], north["activities_progress"]) == (
        "1000.00",
        "10.0",
        "50.0",
    )
    assert _people(api_client(director).get(URL, {"month": "2020-01"}).json())["sam"] == ("0.00", 0, 0)


def test_per_manager_the_teams_they_lead_and_their_people(
    teams: dict[str, SalesTeam], director: User, manager: User, bob: User, month: str
) -> None:
    anna = api_client(director).get(URL, {"month": month, "manager": manager.pk}).json()
    assert [row["name"] for row in anna["teams"]] == ["North"]
    assert set(_people(anna)) == {"sam"}  # anna has no figures of her own this month
    south = api_client(director).get(URL, {"manager": bob.pk}).json()
    assert [row["name"] for row in south["teams"]] == ["South"]
    assert _people(south)["sofia"] == ("3000.00", 1, 1) and "sam" not in _people(south)
    own = api_client(manager).get(URL, {"manager": manager.pk}).json()
    assert set(_people(own)) == {"sam"} and [row["name"] for row in own["teams"]] == ["North"]


def test_nobody_reads_figures_they_may_not_see(
    teams: dict[str, SalesTeam], manager: User, bob: User, salesperson: User, other_salesperson: User,
    other_company: Company, make_user: Callable[..., User],
) -> None:  # fmt: skip
    # a manager sees their team, not another manager's, nor may they ask for it
    assert set(_people(api_client(manager).get(URL).json())) == {"sam"}
    assert_problem(api_client(manager).get(URL, {"manager": bob.pk}), 400, "manager")
    # a salesperson: their own figures and team only
    mine = api_client(salesperson).get(URL).json()
    assert set(_people(mine)) == {"sam"} and [row["name"] for row in mine["teams"]] == ["North"]
    assert_problem(api_client(salesperson).get(URL, {"manager": manager.pk}), 400, "manager")
    # another company's sales director sees nothing of this one's, and cannot name its people
    elsewhere = make_user("otto", "sales_director", company=other_company)
    theirs = api_client(elsewhere).get(URL).json()
    assert theirs["people"] == [] and theirs["teams"] == []
    assert_problem(api_client(elsewhere).get(URL, {"manager": manager.pk}), 400, "manager")
    # no CRM role: refused; nobody signed in: refused
    wanda = make_user("wanda", roles.WAREHOUSE)
    assert api_client(wanda).get(URL).status_code == 403
    assert api_client(None).get(URL).status_code in (401, 403)


def test_bad_queries_are_a_clear_400_and_the_figures_cannot_be_written(
    teams: dict[str, SalesTeam], director: User
) -> None:
    client = api_client(director)
    assert_problem(client.get(URL, {"month": "2026-13"}), 400, "month")
    assert_problem(client.get(URL, {"month": "December"}), 400, "month")
    assert_problem(client.get(URL, {"manager": "999999"}), 400, "manager")
    assert_problem(client.get(URL, {"manager": "x"}), 400, "manager")
    assert_problem(client.get(URL, {"bogus": "1"}), 400)
    assert client.post(URL, {}, format="json").status_code == 405
    in_polish = client.get(URL, {"month": "2026-13"}, HTTP_ACCEPT_LANGUAGE="pl").json()
    assert in_polish["errors"]["month"] == ["Miesiąc w formacie RRRR-MM."]


def test_the_kpi_api_runs_a_bounded_number_of_queries(
    teams: dict[str, SalesTeam], director: User, company: Company, make_partner: Callable[..., Partner],
    make_user: Callable[..., User], django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    client = api_client(director)
    client.get(URL)  # the token's first use

    def measure() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as run:
            assert client.get(URL).status_code == 200
        return len(run.captured_queries)

    before = measure()
    for number in range(3):  # more people, teams, targets and won deals: not one query more
        person = make_user(f"seller{number}", roles.SALESPERSON)
        team = targets.create_team(company, director, name=f"Team {number}", members=[person])
        targets.set_target(company, director, month=timezone.localdate(), team=team, revenue="1")
        customer = make_partner(f"More {number}", actor=person)
        services.win_deal(
            services.create_deal(company, person, title=f"More {number}", partner=customer, amount="5"),
            person,
        )
    assert measure() == before
    assert Decimal(api_client(director).get(URL).json()["teams"][0]["revenue"]) >= 0


def test_the_kpi_page_picks_a_manager_among_those_one_sees(
    teams: dict[str, SalesTeam], director: User, manager: User, bob: User, salesperson: User, month: str
) -> None:
    page = signed_in(director).get(reverse("crm:kpis"), {"month": month, "manager": bob.pk})
    assert page.status_code == 200
    assert [row.label for row in page.context["kpis"].teams] == ["South"]
    assert {person.username for person in page.context["managers"]} == {"anna", "bob"}
    assert f"manager={bob.pk}" in page.context["next_url"]
    # Anna may pick only herself; Bob's figures are not hers to see: a 400 over her own page
    assert [p.username for p in signed_in(manager).get(reverse("crm:kpis")).context["managers"]] == ["anna"]
    refused = signed_in(manager).get(reverse("crm:kpis"), {"manager": bob.pk})
    assert refused.status_code == 400 and [row.label for row in refused.context["kpis"].teams] == ["North"]
    assert "not one whose figures you see" in refused.content.decode()
    assert "data-kpi-manager" not in signed_in(salesperson).get(reverse("crm:kpis")).content.decode()
