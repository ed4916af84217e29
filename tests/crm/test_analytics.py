"""Funnel, forecast, KPIs, the team calendar and the iCalendar feed: figures, pages, API, and
who sees what (salesperson own, director all, another company nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.models import Company, Currency, ExchangeRate, User
from tandem.crm import analytics, calendar, services, targets
from tandem.crm import queries as crm_queries
from tandem.crm.models import Activity, Deal, DealStageEntry, LostReason, Pipeline, SalesTarget
from tandem.partners.models import Partner
from tests.kit.api import api_client, assert_problem
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(
    company: Company,
    director: User,
    salesperson: User,
    other_salesperson: User,
    pipeline: Pipeline,
    make_partner: Callable[..., Partner],
) -> dict[str, Any]:
    """Sam: two deals (one won after Proposal, one lost at Qualified); Sofia: one open deal."""
    mine = make_partner("Meble Nowak", actor=salesperson)
    hers = make_partner("Biuro Kowalska", actor=other_salesperson)
    stages = list(pipeline.stages.order_by("sequence", "id"))
    open_stages = [s for s in stages if s.is_open]
    won = services.create_deal(company, salesperson, title="Won", partner=mine, amount="1000.00")
    for stage in open_stages[1:3]:
        services.move_deal(won, salesperson, stage)
    services.win_deal(won, salesperson)
    lost = services.create_deal(company, salesperson, title="Lost", partner=mine, amount="500.00")
    services.move_deal(lost, salesperson, open_stages[1])
    reason = LostReason.objects.filter(company=company).order_by("id").first()
    services.lose_deal(lost, salesperson, reason=reason)
    close = timezone.localdate() + timedelta(days=3)
    other = services.create_deal(
        company, other_salesperson, title="Hers", partner=hers, amount="2000.00", expected_close=close
    )
    return {"won": won, "lost": lost, "other": other, "stages": open_stages, "reason": reason}


def _scope(company: Company, pipeline: Pipeline, **extra: Any) -> analytics.Scope:
    today = timezone.localdate()
    return analytics.Scope(today - timedelta(days=30), today, company.currency_id, pipeline, **extra)


def test_stage_entries_follow_every_move(world: dict[str, Any]) -> None:
    won = world["won"]
    won.refresh_from_db()
    names = list(DealStageEntry.objects.filter(deal=won).order_by("id").values_list("stage__name", flat=True))
    assert len(names) == 4 and names[-1] == won.stage.name and won.stage.is_won


def test_funnel_figures_for_the_manager(
    world: dict[str, Any], director: User, company: Company, pipeline: Pipeline
) -> None:
    funnel = analytics.funnel(director, _scope(company, pipeline))
    reached = [row.reached for row in funnel.stages]
    first, second, third = reached[:3]
    assert (first, second, third) == (
        3,
        2,
        1,
    )  # all three opened; won and lost got to the 2nd; won to the 3rd
    assert funnel.stages[0].conversion == Decimal("66.7")
    assert funnel.won == 1 and funnel.lost == 1 and funnel.win_rate == Decimal("50.0")
    assert funnel.won_amount == Decimal("1000.00") and funnel.average_deal == Decimal("1000.00")
    assert funnel.cycle_days is not None and funnel.created == 3
    assert [(row.reason, row.count) for row in funnel.lost_reasons] == [(world["reason"].name, 1)]


def test_funnel_of_a_salesperson_counts_only_their_deals(
    world: dict[str, Any], other_salesperson: User, company: Company, pipeline: Pipeline
) -> None:
    funnel = analytics.funnel(other_salesperson, _scope(company, pipeline))
    assert funnel.created == 1 and funnel.won == 0 and funnel.stages[0].reached == 1


def test_funnel_by_owner_and_team(
    world: dict[str, Any], director: User, salesperson: User, company: Company, pipeline: Pipeline
) -> None:
    assert analytics.funnel(director, _scope(company, pipeline, owner=salesperson)).created == 2
    team = targets.create_team(company, director, name="North", members=[salesperson])
    # the team is the deal's: Sam's deals made before the team was count for none until given it
    assert analytics.funnel(director, _scope(company, pipeline, team=team)).created == 0
    for deal in (world["won"], world["lost"]):
        services.update_deal(deal, director, team=team)
    assert analytics.funnel(director, _scope(company, pipeline, team=team)).created == 2


def test_funnel_queries_do_not_grow_with_deals(
    world: dict[str, Any], director: User, company: Company, pipeline: Pipeline,
    django_assert_max_num_queries: Any, make_deal: Callable[..., Deal],
) -> None:  # fmt: skip
    scope = _scope(company, pipeline)
    for _i in range(10):
        make_deal()
    with django_assert_max_num_queries(12):
        analytics.funnel(director, scope)


def test_forecast_weights_open_deals_by_month(
    world: dict[str, Any], director: User, salesperson: User, company: Company, pipeline: Pipeline
) -> None:
    today = timezone.localdate()
    rows = analytics.forecast(director, analytics.Scope(today, today, company.currency_id, pipeline), 3)
    close = world["other"].expected_close
    entry = next(row for row in rows if row.month == close.replace(day=1))
    probability = world["other"].stage.probability
    assert entry.count == 1 and entry.weighted == (Decimal("2000.00") * probability / 100).quantize(
        Decimal("0.01")
    )
    mine = analytics.forecast(salesperson, analytics.Scope(today, today, company.currency_id, pipeline), 3)
    assert sum(row.count for row in mine) == 0


def test_kpis_progress_and_ranking(
    world: dict[str, Any], director: User, salesperson: User, other_salesperson: User, company: Company
) -> None:
    month = timezone.localdate().replace(day=1)
    targets.set_target(
        company, director, month=month, user=salesperson, revenue="2000", deals=2, activities=4
    )
    team = targets.create_team(company, director, name="North", members=[salesperson, other_salesperson])
    targets.set_target(company, director, month=month, team=team, revenue="10000", deals=5, activities=10)
    services.update_deal(world["won"], director, team=team)
    services.log_activity(company, salesperson, partner=world["won"].partner, subject="Call", outcome="ok")
    kpis = analytics.kpis(director, company, month)
    sam = next(row for row in kpis.people if row.user == salesperson)
    assert (sam.revenue, sam.deals, sam.activities, sam.rank) == (Decimal("1000.00"), 1, 1, 1)
    assert sam.revenue_progress == Decimal("50.0") and sam.deals_progress == Decimal("50.0")
    assert kpis.teams[0].revenue == Decimal("1000.00") and kpis.teams[0].revenue_progress == Decimal("10.0")
    own = analytics.kpis(other_salesperson, company, month)
    assert [row.user for row in own.people] == [other_salesperson]


def test_only_a_manager_sets_targets(salesperson: User, company: Company) -> None:
    from tandem.core.errors import NotAllowed, ValidationFailed

    with pytest.raises(NotAllowed):
        targets.set_target(company, salesperson, month=timezone.localdate(), user=salesperson, revenue="1")
    with pytest.raises(ValidationFailed):
        targets.set_target(company, None, month=timezone.localdate(), user=salesperson, revenue="-1")
    assert not SalesTarget.objects.exists()


# --- pages and API ------------------------------------------------------------------------------


def test_pages_render_for_manager_and_salesperson(
    world: dict[str, Any], director: User, salesperson: User
) -> None:
    for user in (director, salesperson):
        client = signed_in(user)
        for name in ("crm:analytics", "crm:kpis", "crm:calendar", "crm:calendar_feed_settings"):
            response = client.get(reverse(name))
            assert response.status_code == 200, (name, response.status_code)
    page = signed_in(salesperson).get(reverse("crm:analytics")).content.decode()
    assert 'data-figure="created">2<' in page  # Sam's two deals, not Sofia's
    month = signed_in(director).get(reverse("crm:calendar"), {"view": "month", "person": salesperson.pk})
    assert month.status_code == 200


def test_analytics_page_refuses_a_bad_period(director: User, pipeline: Pipeline) -> None:
    response = signed_in(director).get(reverse("crm:analytics"), {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 200 and "ends before it starts" in response.content.decode()


def test_pages_need_the_crm_rights(make_user: Callable[..., User]) -> None:
    nobody = make_user("nobody")
    for name in ("crm:analytics", "crm:kpis", "crm:calendar"):
        assert signed_in(nobody).get(reverse(name)).status_code == 403


def test_api_funnel_and_forecast(
    world: dict[str, Any], director: User, salesperson: User, pipeline: Pipeline
) -> None:
    body = api_client(director).get("/api/v1/crm/analytics/funnel/", {"pipeline": pipeline.pk}).json()
    assert body["won"] == 1 and body["lost"] == 1 and body["win_rate"] == "50.0" and body["created"] == 3
    assert body["stages"][0]["reached"] == 3
    mine = api_client(salesperson).get("/api/v1/crm/analytics/funnel/").json()
    assert mine["created"] == 2
    rows = api_client(director).get("/api/v1/crm/analytics/forecast/", {"months": 2}).json()
    assert len(rows) == 2 and sum(row["count"] for row in rows) >= 1
    assert api_client(salesperson).get("/api/v1/crm/analytics/forecast/").json()[0]["count"] == 0


def test_api_refuses_bad_queries(
    director: User, other_company: Company, make_user: Callable[..., User]
) -> None:
    client = api_client(director)
    assert_problem(client.get("/api/v1/crm/analytics/funnel/", {"start": "2026-13-01"}), 400, "start")
    assert_problem(client.get("/api/v1/crm/analytics/forecast/", {"months": "99"}), 400, "months")
    assert_problem(client.get("/api/v1/crm/analytics/funnel/", {"pipeline": "999999"}), 400, "pipeline")
    assert_problem(client.get("/api/v1/crm/analytics/funnel/", {"bogus": "1"}), 400)
    backwards = {"start": "2026-02-01", "end": "2026-01-01"}
    in_polish = client.get("/api/v1/crm/analytics/funnel/", backwards, HTTP_ACCEPT_LANGUAGE="pl")
    assert_problem(in_polish, 400, "end")
    assert in_polish.json()["errors"]["end"] == ["Okres kończy się przed rozpoczęciem."]
    foreign = services.ensure_setup(other_company, None)
    assert_problem(client.get("/api/v1/crm/analytics/funnel/", {"pipeline": foreign.pk}), 400, "pipeline")
    nobody = make_user("nobody")
    assert api_client(nobody).get("/api/v1/crm/analytics/funnel/").status_code == 403


# --- the calendar feed --------------------------------------------------------------------------


@pytest.fixture
def planned(
    company: Company, salesperson: User, other_salesperson: User, world: dict[str, Any]
) -> dict[str, Activity]:
    # Noon today, local time: inside this week's calendar whatever the day and hour the suite
    # runs (three hours from now was next week late on a Sunday).
    soon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    return {
        "mine": services.schedule_activity(
            company, salesperson, deal=world["won"], subject="Visit Nowak", due_at=soon, kind="meeting"
        ),
        "hers": services.schedule_activity(
            company, other_salesperson, deal=world["other"], subject="Call Kowalska", due_at=soon
        ),
    }


def test_feed_holds_the_owners_activities_only(
    planned: dict[str, Activity], salesperson: User, company: Company
) -> None:
    token = calendar.issue_feed(salesperson, company)
    from django.test import Client

    response = Client().get(reverse("crm:calendar_ics", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    summaries = [str(event["summary"]) for event in parsed.walk("VEVENT")]
    assert summaries == ["Meeting: Visit Nowak"]
    assert "Kowalska" not in response.content.decode()
    from tandem.crm.models import CalendarFeed

    assert (
        CalendarFeed.objects.get().token_hash != token and token not in CalendarFeed.objects.get().token_hash
    )


def test_revoked_or_regenerated_token_is_a_404(
    planned: dict[str, Activity], salesperson: User, company: Company
) -> None:
    from django.test import Client

    old = calendar.issue_feed(salesperson, company)
    new = calendar.issue_feed(salesperson, company)
    assert Client().get(reverse("crm:calendar_ics", args=[old])).status_code == 404
    assert Client().get(reverse("crm:calendar_ics", args=[new])).status_code == 200
    calendar.revoke_feed(salesperson, company)
    assert Client().get(reverse("crm:calendar_ics", args=[new])).status_code == 404
    assert Client().get(reverse("crm:calendar_ics", args=["x" * 43])).status_code == 404


def test_feed_stays_in_its_company_and_follows_the_rights(
    planned: dict[str, Activity], salesperson: User, company: Company, other_company: Company
) -> None:
    from django.test import Client

    token = calendar.issue_feed(salesperson, company)
    salesperson.companies.remove(company)
    assert Client().get(reverse("crm:calendar_ics", args=[token])).status_code == 404
    salesperson.companies.add(company)
    salesperson.groups.clear()
    assert Client().get(reverse("crm:calendar_ics", args=[token])).status_code == 404


def test_feed_settings_page_issues_once_and_revokes(planned: dict[str, Activity], salesperson: User) -> None:
    client = signed_in(salesperson)
    page = client.post(reverse("crm:calendar_feed_settings"), {"do": "issue"}).content.decode()
    assert ".ics" in page
    url = page.split('id="feed-url" readonly value="')[1].split('"')[0]
    from django.test import Client

    assert Client().get(url.split("testserver")[1]).status_code == 200
    again = client.get(reverse("crm:calendar_feed_settings")).content.decode()
    assert ".ics" not in again and 'data-feed="active"' in again
    client.post(reverse("crm:calendar_feed_settings"), {"do": "revoke"})
    assert Client().get(url.split("testserver")[1]).status_code == 404


def test_team_calendar_shows_only_visible_activities(
    planned: dict[str, Activity], salesperson: User, director: User
) -> None:
    mine = signed_in(salesperson).get(reverse("crm:calendar")).content.decode()
    assert "Visit Nowak" in mine and "Call Kowalska" not in mine
    team = signed_in(director).get(reverse("crm:calendar")).content.decode()
    assert "Visit Nowak" in team and "Call Kowalska" in team


def test_money_in_other_currencies_is_converted_never_added_as_numbers(
    world: dict[str, Any], director: User, salesperson: User, company: Company, pipeline: Pipeline
) -> None:
    """Besides the world's 1,000 EUR won today, Sam won 1,000 USD three days ago, when a dollar
    was 0.90 EUR, has 1,000 USD open now that it is 0.95, and won a deal in pounds, whose rate
    nobody entered: the won revenue is 1,900 EUR (not 2,000, nor 7,000), the KPIs count the
    dollars in the month they were won at 900, the board holds the open dollars as 950 EUR, and
    the pounds count as a deal won but add no money."""
    usd, gbp, eur = (Currency.objects.get(code=code) for code in ("USD", "GBP", company.currency_id))
    today = timezone.localdate()
    for days, rate in ((20, "0.9"), (2, "0.95")):
        ExchangeRate.objects.create(
            base=usd, quote=eur, date=today - timedelta(days=days), rate=Decimal(rate)
        )
    mine = world["won"].partner

    def deal(title: str, currency: Currency, amount: str = "1000.00") -> Deal:
        return services.create_deal(
            company, salesperson, title=title, partner=mine, amount=amount, currency=currency
        )

    dollars, pounds = deal("Dollars", usd), deal("Pounds", gbp, "5000.00")
    for won in (dollars, pounds):
        services.win_deal(won, salesperson)
    won_at = timezone.now() - timedelta(days=3)
    Deal.objects.filter(pk=dollars.pk).update(closed_at=won_at)
    funnel = analytics.funnel(director, _scope(company, pipeline))
    assert funnel.won == 3 and funnel.won_amount == Decimal("1900.00")
    assert funnel.average_deal == Decimal("950.00")  # of the two deals whose rate is known
    month = timezone.localtime(won_at).date().replace(day=1)
    [sam] = [row for row in analytics.kpis(director, company, month).people if row.user == salesperson]
    same_month = timezone.localdate().replace(day=1) == month
    assert sam.revenue == Decimal("900.00") + (Decimal("1000.00") if same_month else 0)
    open_dollars = deal("Open", usd)
    [first] = [
        c for c in crm_queries.board(pipeline, Deal.objects.all(), eur.code) if c.stage == open_dollars.stage
    ]
    in_euros = Deal.objects.filter(stage=first.stage, currency=eur, state="open").values_list(
        "amount", flat=True
    )
    assert first.amount.quantize(Decimal("0.01")) == Decimal("950.00") + sum(in_euros, Decimal(0))
