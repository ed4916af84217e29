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
    # the member count as each caller sees it, on the list (counted for the page) and one by one
    assert created.json()["member_count"] == 2
    listed = {
        row["name"]: row["member_count"] for row in client.get("/api/v1/crm/segments/").json()["results"]
    }
    assert listed == {"VIPs": 2}  # never another company's segment
    theirs = api_client(salesperson)
    assert [row["member_count"] for row in theirs.get("/api/v1/crm/segments/").json()["results"]] == [1]
    assert theirs.get(f"/api/v1/crm/segments/{pk}/").json()["member_count"] == 1


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


def _counts_column(html: str) -> dict[str, str]:
    """The segment list's rows: name → the Members cell."""
    import re

    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    found = {}
    for row in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) >= 3:
            found[cells[0]] = cells[2]
    return found


def test_the_list_counts_each_segments_members_as_the_reader_sees_them_in_one_query(
    people: dict[str, Any], company: Company, other_company: Company, manager: User, salesperson: User,
    django_assert_num_queries: Any,
) -> None:  # fmt: skip
    segments.create_segment(company, manager, name="VIPs", criteria={"tags": [people["vip"].pk]})
    segments.create_segment(company, manager, name="Germans", criteria={"countries": ["de"]})
    segments.create_segment(company, manager, name="Big spenders", criteria={"won_min": "1000"})
    segments.create_segment(company, manager, name="Everyone")
    segments.create_segment(other_company, None, name="Abroad")  # another company's: never listed
    assert _counts_column(signed_in(manager).get(reverse("crm:segment_list")).content.decode()) == {
        "Big spenders": "1", "Everyone": "3", "Germans": "1", "VIPs": "2",
    }  # fmt: skip
    # Sam sees his own customers only: Sofia's VIP is not counted for him
    assert _counts_column(signed_in(salesperson).get(reverse("crm:segment_list")).content.decode()) == {
        "Big spenders": "1", "Everyone": "2", "Germans": "1", "VIPs": "1",
    }  # fmt: skip
    shown = list(Segment.objects.visible_to(manager))
    segments.member_counts(shown[:1], manager)  # the reader's company and permissions, read once
    with django_assert_num_queries(1):  # every segment's count, whatever their criteria
        counts = segments.member_counts(shown, manager)
    assert counts == {s.pk: segments.count(s.criteria, manager) for s in shown}


def test_the_card_shows_the_segments_the_partner_is_in(
    people: dict[str, Any], company: Company, manager: User, salesperson: User, other_salesperson: User,
) -> None:  # fmt: skip
    segments.create_segment(company, manager, name="VIPs", criteria={"tags": [people["vip"].pk]})
    segments.create_segment(company, manager, name="Germans", criteria={"countries": ["DE"]})
    segments.create_segment(company, manager, name="Big spenders", criteria={"won_min": "1000"})

    def panel(user: User, partner: Partner) -> set[str] | None:
        page = signed_in(user).get(reverse("partners:detail", args=[partner.pk]))
        if page.status_code == 404:
            return None
        html = page.content.decode()
        assert "Segments" in html
        return {name for name in ("VIPs", "Germans", "Big spenders") if f">{name}<" in html}

    assert panel(manager, people["mine"]) == {"VIPs", "Big spenders"}
    assert panel(manager, people["german"]) == {"Germans"}
    assert panel(salesperson, people["mine"]) == {"VIPs", "Big spenders"}
    # Sam's deal makes "mine" a big spender; Sofia, who sees the customer only if it is hers, never
    assert panel(other_salesperson, people["mine"]) is None
    assert panel(other_salesperson, people["hers"]) == {"VIPs"}


def test_the_card_counts_only_the_deals_the_reader_may_see(
    people: dict[str, Any], company: Company, manager: User, salesperson: User, other_salesperson: User,
) -> None:  # fmt: skip
    """Sofia's won deal on Sam's customer makes it a big spender for the manager, not for Sam."""
    segment = segments.create_segment(company, manager, name="Whales", criteria={"won_min": "9000"})
    deal = services.create_deal(
        company, manager, title="Hers", partner=people["mine"], owner=other_salesperson, amount="8000.00"
    )
    services.win_deal(deal, manager)
    assert segments.member_counts([segment], manager, people["mine"]) == {segment.pk: 1}
    assert segments.member_counts([segment], salesperson, people["mine"]) == {segment.pk: 0}
    assert segments.member_counts([segment], other_salesperson, people["mine"]) == {segment.pk: 0}


def test_the_segment_export_has_the_member_counts_the_list_shows_in_a_query_per_batch(
    people: dict[str, Any], company: Company, manager: User, salesperson: User,
    django_assert_max_num_queries: Any,
) -> None:  # fmt: skip
    """The list's CSV/XLSX file and the API's CSV carry each segment's Members as the reader sees
    them (Sam: his customers only), counted once per batch — never a query per segment — and a
    hostile segment's name and description stay text."""
    from tests.kit.exports import cell_holding, export_rows, formula_payloads, is_live_formula

    payloads = formula_payloads()
    segments.create_segment(company, manager, name="VIPs", criteria={"tags": [people["vip"].pk]})
    segments.create_segment(company, manager, name=payloads[0], description=payloads[4] + "\x07")
    segments.create_segment(company, manager, name="Spenders", criteria={"won_min": "1"})  # every kind
    url = reverse("crm:segment_export")

    def exported(user: User, fmt: str) -> dict[str, Any]:
        header, *rows = export_rows(signed_in(user).get(url, {"format": fmt}), fmt)
        members = [cell.value for cell in header].index("Members")
        return {str(row[0].value): row[members].value for row in rows}

    for fmt in ("csv", "xlsx"):
        rows = export_rows(signed_in(manager).get(url, {"format": fmt}), fmt)
        for payload in (payloads[0], payloads[4]):
            assert not is_live_formula(cell_holding(rows, payload)), (fmt, payload)
        counts = {name: str(value) for name, value in exported(manager, fmt).items() if "VIP" in name}
        assert counts == {"VIPs": "2"}, fmt
        assert str(exported(salesperson, fmt)["VIPs"]) == "1"  # never Sofia's customer
    api = api_client(salesperson).get("/api/v1/crm/segments/export/")
    text = b"".join(api.streaming_content).decode()  # type: ignore[attr-defined]
    assert "member_count" in text.splitlines()[0] and "VIPs" in text and ",1," in text

    def both() -> None:
        b"".join(signed_in(manager).get(url, {"format": "csv"}).streaming_content)  # type: ignore[attr-defined]
        b"".join(api_client(manager).get("/api/v1/crm/segments/export/").streaming_content)  # type: ignore[attr-defined]

    both()
    with django_assert_max_num_queries(100) as few:
        both()
    for n in range(6):
        segments.create_segment(company, manager, name=f"Spenders {n}", criteria={"won_min": str(n * 100)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        both()
