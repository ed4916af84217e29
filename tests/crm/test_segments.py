"""Segments: criteria checked before they are stored, members under the reader's record rules
(a salesperson's segment shows only their customers), pages, export and the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency, ExchangeRate, User
from tandem.crm import segments, services, targets
from tandem.crm.models import Pipeline, Segment
from tandem.partners.models import Partner, Tag
from tests.kit.api import api_client, assert_problem
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    pipeline: Pipeline,
    make_partner: Callable[..., Partner],
    manager: User,
) -> dict[str, Any]:
    """Sam's and Sofia's customers; Anna, their sales manager, leads the team they are in."""
    targets.create_team(company, None, name="All", leader=manager, members=[salesperson, other_salesperson])
    vip = Tag.objects.create(company=company, name="VIP")
    mine = make_partner("Meble Nowak", actor=salesperson, country="PL")
    mine.tags.add(vip)
    hers = make_partner("Biuro Kowalska", actor=other_salesperson, country="PL")
    hers.tags.add(vip)
    german = make_partner("Möbel Schmidt", actor=salesperson, country="DE")
    deal = services.create_deal(company, salesperson, title="Big", partner=mine, amount="5000.00")
    services.win_deal(deal, salesperson)
    return {"vip": vip, "mine": mine, "hers": hers, "german": german}


def test_members_follow_criteria_and_record_rules(
    people: dict[str, Any], company: Company, manager: User, salesperson: User
) -> None:
    segment = segments.create_segment(
        company, manager, name="Polish VIPs", criteria={"tags": [people["vip"].pk], "countries": ["pl"]}
    )
    assert segment.criteria == {"tags": [people["vip"].pk], "countries": ["PL"]}
    assert set(segments.members(segment.criteria, manager)) == {people["mine"], people["hers"]}
    assert list(segments.members(segment.criteria, salesperson)) == [people["mine"]]
    assert list(segments.members({"won_min": "1000"}, manager)) == [people["mine"]]
    assert people["mine"] not in segments.members({"won_max": "100"}, manager)
    assert segments.count({"owners": [salesperson.pk]}, manager) == 2


def test_bad_criteria_are_refused_and_nothing_is_written(
    people: dict[str, Any], company: Company, other_company: Company, manager: User
) -> None:
    foreign = Tag.objects.create(company=other_company, name="Elsewhere")
    for criteria, key in [
        ({"tags": [foreign.pk]}, "tags"),
        ({"countries": ["Poland"]}, "countries"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"won_min": "-5"}, "won_min"),
        ({"colour": "red"}, "criteria"),
        ({"created_from": "2026-05-01", "created_to": "2026-01-01"}, "created_to"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            segments.create_segment(company, manager, name="Bad", criteria=criteria)
        assert key in caught.value.errors
    assert not Segment.objects.exists()


def test_pages_list_card_members_and_export(
    people: dict[str, Any], company: Company, manager: User, salesperson: User
) -> None:
    segment = segments.create_segment(company, manager, name="VIPs", criteria={"tags": [people["vip"].pk]})
    client = signed_in(salesperson)
    assert "VIPs" in client.get(reverse("crm:segment_list")).content.decode()
    card = client.get(reverse("crm:segment_detail", args=[segment.pk])).content.decode()
    assert "Meble Nowak" in card and "Biuro Kowalska" not in card and "1 partner matches" in card
    members = client.get(reverse("crm:segment_members", args=[segment.pk])).content.decode()
    assert "Meble Nowak" in members and "Biuro Kowalska" not in members
    export = client.get(reverse("crm:segment_members_export", args=[segment.pk]), {"format": "csv"})
    text = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Meble Nowak" in text and "Kowalska" not in text
    xlsx = client.get(reverse("crm:segment_members_export", args=[segment.pk]), {"format": "xlsx"})
    assert xlsx.status_code == 200
    manager_export = signed_in(manager).get(
        reverse("crm:segment_members_export", args=[segment.pk]), {"format": "csv"}
    )
    assert "Kowalska" in b"".join(manager_export.streaming_content).decode()  # type: ignore[attr-defined]


def test_create_and_edit_through_the_form(people: dict[str, Any], manager: User) -> None:
    client = signed_in(manager)
    response = client.post(
        reverse("crm:segment_create"),
        {"name": "Germans", "description": "", "countries": "de", "tags": [], "owners": [], "stages": []},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    segment = Segment.objects.get(name="Germans")
    assert segment.criteria == {"countries": ["DE"]}
    bad = client.post(reverse("crm:segment_create"), {"name": "Bad", "countries": "Germany"})
    assert bad.status_code == 200 and not Segment.objects.filter(name="Bad").exists()


def test_api_segments_and_members(
    people: dict[str, Any], company: Company, other_company: Company, manager: User, salesperson: User
) -> None:
    client = api_client(manager)
    created = client.post(
        "/api/v1/crm/segments/", {"name": "VIPs", "criteria": {"tags": [people["vip"].pk]}}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    names = {row["name"] for row in client.get(f"/api/v1/crm/segments/{pk}/members/").json()["results"]}
    assert names == {"Meble Nowak", "Biuro Kowalska"}
    own = api_client(salesperson).get(f"/api/v1/crm/segments/{pk}/members/").json()["results"]
    assert [row["name"] for row in own] == ["Meble Nowak"]
    assert_problem(
        client.post("/api/v1/crm/segments/", {"name": "X", "criteria": {"countries": [1]}}, format="json"),
        400,
        "countries",
    )
    foreign = segments.create_segment(other_company, None, name="Theirs")
    assert client.get(f"/api/v1/crm/segments/{foreign.pk}/members/").status_code == 404


def test_deal_criteria_read_only_the_deals_the_reader_may_see(
    people: dict[str, Any], company: Company, admin: User, manager: User, salesperson: User,
    other_salesperson: User, pipeline: Pipeline,
) -> None:  # fmt: skip
    """Sofia's deals on Sam's customer are hers: Sam's segments must not reveal their amount or
    stage (his customer in "won 6,000 or more" would tell him she won 9,000 from it)."""
    mine = people["mine"]
    theirs = services.create_deal(
        company, admin, title="Hers", partner=mine, amount="9000.00", owner=other_salesperson
    )
    services.win_deal(theirs, admin)
    later = [stage for stage in pipeline.stages.all() if stage.is_open][-1]
    services.create_deal(company, admin, title="Open", partner=mine, owner=other_salesperson, stage=later)
    assert list(segments.members({"won_min": "6000"}, salesperson)) == []  # his own 5,000 only
    assert list(segments.members({"stages": [later.pk]}, salesperson)) == []
    assert list(segments.members({"won_min": "6000"}, manager)) == [mine]  # she leads both
    assert list(segments.members({"stages": [later.pk]}, manager)) == [mine]


def test_won_revenue_adds_each_currency_at_the_rate_of_the_day_it_was_won(
    people: dict[str, Any], company: Company, salesperson: User, eur: Currency
) -> None:
    """5,000 EUR won, then 1,000 USD at 0.90 (900 EUR) and 4,000 PLN at 4 PLN a euro, the rate
    known the other way round (1,000 EUR): 6,900 EUR, never 10,000 of nothing in particular."""
    usd, pln, gbp = (Currency.objects.get(code=code) for code in ("USD", "PLN", "GBP"))
    rated = timezone.localdate() - timedelta(days=3)
    ExchangeRate.objects.create(base=usd, quote=eur, date=rated, rate=Decimal("0.90"))
    ExchangeRate.objects.create(base=eur, quote=pln, date=rated, rate=Decimal("4"))
    ExchangeRate.objects.create(base=usd, quote=eur, date=rated + timedelta(days=30), rate=Decimal("5"))
    for amount, currency in (("1000.00", usd), ("4000.00", pln), ("100000.00", gbp)):  # no GBP rate
        deal = services.create_deal(
            company,
            salesperson,
            title=currency.code,
            partner=people["mine"],
            amount=amount,
            currency=currency,
        )
        services.win_deal(deal, salesperson)
    assert list(segments.members({"won_min": "6900"}, salesperson)) == [people["mine"]]
    assert list(segments.members({"won_min": "6900.01"}, salesperson)) == []
    assert list(segments.members({"won_max": "6900"}, salesperson)) == [people["mine"], people["german"]]
