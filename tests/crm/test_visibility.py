"""Who sees which deals, leads and activities, on every path a row can be read by: the lists and
their search, the board, the card (404), the export, the API (list, search, detail), the
calendar, the agenda and the analytics. Sam and Sofia are salespeople; Anna is a sales manager
who leads a team with Sam in it; Dana is the sales director; Aldo audits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.accounting.roles import AUDITOR
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import Company, User
from tandem.crm import analytics, services, targets
from tandem.crm.models import Activity, Deal, Lead, Pipeline
from tandem.crm.services import leads as lead_services
from tandem.partners.models import Partner, Tag
from tests.kit.api import api_client
from tests.kit.exports import export_rows, texts
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    pipeline: Pipeline,
) -> dict[str, Any]:
    """Sam's and Sofia's deal, lead and planned activity; Sofia's customer is hers alone."""
    soon = timezone.now() + timedelta(hours=3)
    books: dict[str, Any] = {}
    for who, person, name in (("sam", salesperson, "Nowak"), ("sofia", other_salesperson, "Kowalska")):
        customer = make_partner(f"Meble {name}", actor=person)
        deal = services.create_deal(company, person, title=f"Deal {name}", partner=customer, amount="1000")
        activity = services.schedule_activity(company, person, deal=deal, subject=f"Call {name}", due_at=soon)
        lead = lead_services.create_lead(company, person, title=f"Lead {name}", contact_name=name)
        books[who] = {"deal": deal, "activity": activity, "lead": lead, "customer": customer}
    return books


def _lists(client: Client) -> str:
    """Every HTML page that lists deals, leads or activities, joined."""
    pages = [
        reverse("crm:deal_list"),
        reverse("crm:deal_list") + "?search=Deal",
        reverse("crm:board"),
        reverse("crm:lead_list"),
        reverse("crm:lead_list") + "?search=Lead",
        reverse("crm:activity_list"),
        reverse("crm:activity_list") + "?search=Call",
        reverse("crm:calendar"),
        reverse("crm:agenda"),
    ]
    out = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        out.append(response.content.decode())
    return "\n".join(out)


def _exports(client: Client) -> str:
    rows: list[Any] = []
    for name in ("crm:deal_export", "crm:lead_export", "crm:activity_export"):
        for kind in ("csv", "xlsx"):
            rows += texts(export_rows(client.get(reverse(name), {"format": kind}), kind))
    return "\n".join(str(row) for row in rows)


def _api(user: User) -> str:
    client = api_client(user)
    out = []
    for resource, term in (("deals", "Deal"), ("leads", "Lead"), ("activities", "Call")):
        for query in ({}, {"search": term}):
            response = client.get(f"/api/v1/crm/{resource}/", query)
            assert response.status_code == 200, (resource, response.content)
            out.append(response.content.decode())
    return "\n".join(out)


def _cards(user: User, row: dict[str, Any]) -> set[int]:
    """The status of each card, edit page and API detail of the rows of ``row``."""
    client, api = signed_in(user), api_client(user)
    found = set()
    for kind, obj in (("deal", row["deal"]), ("lead", row["lead"]), ("activity", row["activity"])):
        found.add(client.get(reverse(f"crm:{kind}_detail", args=[obj.pk])).status_code)
        found.add(client.get(reverse(f"crm:{kind}_edit", args=[obj.pk])).status_code)
        plural = {"deal": "deals", "lead": "leads", "activity": "activities"}[kind]
        found.add(api.get(f"/api/v1/crm/{plural}/{obj.pk}/").status_code)
    return found


def test_a_salesperson_sees_nothing_of_a_colleagues_book_on_any_path(
    books: dict[str, Any], salesperson: User, pipeline: Pipeline, company: Company
) -> None:
    client = signed_in(salesperson)
    for seen in (_lists(client), _exports(client), _api(salesperson)):
        assert "Nowak" in seen
        assert "Kowalska" not in seen
    assert _cards(salesperson, books["sofia"]) == {404}
    assert _cards(salesperson, books["sam"]) == {200}
    today = timezone.localdate()
    scope = analytics.Scope(today - timedelta(days=30), today, company.currency_id, pipeline)
    assert analytics.funnel(salesperson, scope).created == 1
    assert api_client(salesperson).get("/api/v1/crm/analytics/funnel/").json()["created"] == 1
    forecast = analytics.forecast(salesperson, scope, 3)
    assert sum(row.count for row in forecast) <= 1
    board = client.get(reverse("crm:board")).context["columns"]
    assert sum(column.count for column in board) == 1


def test_a_manager_sees_the_team_they_lead_and_no_other(
    books: dict[str, Any], manager: User, director: User, salesperson: User, company: Company
) -> None:
    client = signed_in(manager)
    assert "Nowak" not in _lists(client)  # no team yet: only Anna's own
    targets.create_team(company, director, name="North", leader=manager, members=[salesperson])
    for seen in (_lists(client), _exports(client), _api(manager)):
        assert "Nowak" in seen and "Kowalska" not in seen
    assert _cards(manager, books["sam"]) == {200}
    assert _cards(manager, books["sofia"]) == {404}
    people = {row.user for row in analytics.kpis(manager, company, timezone.localdate()).people}
    assert salesperson in people and people <= {manager, salesperson}


def test_the_director_and_the_auditor_see_the_whole_company(
    books: dict[str, Any], director: User, make_user: Callable[..., User]
) -> None:
    auditor = make_user("aldo", AUDITOR)
    for user in (director, auditor):
        for seen in (_lists(signed_in(user)), _exports(signed_in(user)), _api(user)):
            assert "Nowak" in seen and "Kowalska" in seen
        assert _cards(user, books["sofia"]) - {403} == {200}  # the auditor may not open the edit page
    deal = books["sofia"]["deal"]
    refused = api_client(auditor).patch(f"/api/v1/crm/deals/{deal.pk}/", {"title": "x"}, format="json")
    assert refused.status_code == 403
    assert signed_in(auditor).get(reverse("crm:deal_edit", args=[deal.pk])).status_code == 403


def test_a_manager_assigns_to_their_team_only(
    books: dict[str, Any],
    manager: User,
    director: User,
    salesperson: User,
    other_salesperson: User,
    company: Company,
) -> None:
    targets.create_team(company, director, name="North", leader=manager, members=[salesperson])
    customer = books["sam"]["customer"]
    mine = services.create_deal(company, manager, title="For Sam", partner=customer, owner=salesperson)
    assert mine.owner == salesperson
    with pytest.raises(ValidationFailed) as refused:
        services.create_deal(company, manager, title="For Sofia", partner=customer, owner=other_salesperson)
    assert "owner" in refused.value.errors
    assert not Deal.objects.filter(title="For Sofia").exists()
    with pytest.raises(ValidationFailed):
        lead_services.create_lead(company, manager, contact_name="X", owner=other_salesperson)
    assert not Lead.objects.filter(contact_name="X").exists()
    with pytest.raises(NotAllowed):
        targets.create_team(company, manager, name="Mine")
    month = timezone.localdate().replace(day=1)
    targets.set_target(company, manager, month=month, user=salesperson, revenue="100")
    with pytest.raises(NotAllowed):
        targets.set_target(company, manager, month=month, user=other_salesperson, revenue="100")


def test_an_activity_on_a_colleagues_customer_stays_theirs(
    books: dict[str, Any], company: Company, salesperson: User, other_salesperson: User
) -> None:
    """A deal-less activity Sofia logs on her own customer is not Sam's to read, even though an
    unowned customer's card is open to every salesperson."""
    hers = books["sofia"]["customer"]
    services.log_activity(company, other_salesperson, partner=hers, subject="Lunch", kind="meeting")
    assert not Activity.objects.visible_to(salesperson).filter(subject="Lunch").exists()
    assert Activity.objects.visible_to(other_salesperson).filter(subject="Lunch").exists()


def test_the_sales_director_holds_every_grant_of_the_sales_manager_and_sees_all(
    director: User, manager: User
) -> None:
    """``EXTENDS``: the director's group gets the manager's grants from every app (customers,
    products, documents) and its own; the manager does not get the director's."""
    manager_perms = manager.get_all_permissions()
    assert "partners.view_partner" in manager_perms and "crm.view_team_deals" in manager_perms
    assert manager_perms < director.get_all_permissions()
    assert "crm.view_all_deals" in director.get_all_permissions()
    assert "crm.view_all_deals" not in manager_perms and "crm.view_all_leads" not in manager_perms


def test_the_board_and_the_list_filter_by_team_and_tag_without_widening_anyones_view(
    books: dict[str, Any],
    company: Company,
    director: User,
    salesperson: User,
    other_salesperson: User,
) -> None:
    north = targets.create_team(company, director, name="North", members=[salesperson])
    south = targets.create_team(company, director, name="South", members=[other_salesperson])
    for who, team in (("sam", north), ("sofia", south)):  # made before the teams: given theirs now
        services.update_deal(books[who]["deal"], director, team=team)
    key = Tag.objects.create(company=company, name="Key account")
    books["sofia"]["customer"].tags.add(key)

    def seen(user: User, query: str) -> tuple[set[str], set[str]]:
        client = signed_in(user)
        board = client.get(f"{reverse('crm:board')}?{query}")
        listed = client.get(f"{reverse('crm:deal_list')}?{query}").content.decode()
        cards = {d.title for column in board.context["columns"] for d in column.deals}
        return cards, {t for t in ("Deal Nowak", "Deal Kowalska") if t in listed}

    sam, sofia = {"Deal Nowak"}, {"Deal Kowalska"}
    assert seen(director, f"team={north.pk}") == (sam, sam)
    assert seen(director, f"team={south.pk}") == (sofia, sofia)
    assert seen(director, f"tag={key.pk}") == (sofia, sofia)
    assert seen(director, f"tag={key.pk}&team={north.pk}") == (set(), set())
    # a salesperson's filter only narrows what they see: Sofia's team and tag show Sam nothing of hers
    assert seen(salesperson, f"team={north.pk}") == (sam, sam)
    for query in (f"team={south.pk}", f"tag={key.pk}"):
        cards, listed = seen(salesperson, query)
        assert "Deal Kowalska" not in cards | listed
