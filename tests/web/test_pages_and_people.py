"""Pages and people: error pages in the shell, the saved language, locale formats, full names,
and customers without a salesperson."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import formats, translation

from tandem.core.models import Company, User
from tandem.crm import targets
from tandem.partners.models import Partner
from tandem.web.display import as_text


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    yield
    translation.deactivate()


# --- error pages ----------------------------------------------------------------------------


def test_a_missing_record_is_a_404_page_inside_the_shell(
    login: Callable[[User], Client], manager: User
) -> None:
    response = login(manager).get(reverse("partners:detail", args=[999_999]))
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-error-page="404"' in page
    assert 'id="main"' in page and "navbar" in page  # the shell, with its menu
    assert f'href="{reverse("home")}"' in page


def test_the_404_page_speaks_the_readers_language(login: Callable[[User], Client], manager: User) -> None:
    manager.language = "pl"
    manager.save()
    page = login(manager).get("/no-such-page/").content.decode()
    with translation.override("pl"):
        assert str(translation.gettext("Page not found")) in page
    assert 'lang="pl"' in page


def test_a_forbidden_page_is_a_403_page_inside_the_shell(
    login: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    nobody = make_user("nobody")
    response = login(nobody).get(reverse("administration:home"))
    assert response.status_code == 403
    assert 'data-error-page="403"' in response.content.decode()


@override_settings(DEBUG=False)
def test_a_server_error_is_a_500_page_and_the_api_keeps_problem_details(
    manager: User, monkeypatch: Any
) -> None:
    from tandem.partners import views

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(views.PartnerListView, "get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    response = client.get(reverse("partners:list"))
    assert response.status_code == 500
    assert 'data-error-page="500"' in response.content.decode()
    api = client.get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"] == "application/problem+json"


def test_an_unknown_api_detail_keeps_problem_details(login: Callable[[User], Client], manager: User) -> None:
    response = login(manager).get("/api/v1/partners/partners/999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


# --- the language a person chooses ----------------------------------------------------------


def test_the_chosen_language_is_saved_and_used_from_another_browser(manager: User) -> None:
    first = Client()
    first.force_login(manager)
    first.post(reverse("set_language"), {"language": "sl", "next": "/"})
    manager.refresh_from_db()
    assert manager.language == "sl"
    elsewhere = Client()  # no language cookie
    elsewhere.force_login(manager)
    page = elsewhere.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="sl">' in page


def test_an_unknown_language_is_not_saved(login: Callable[[User], Client], manager: User) -> None:
    login(manager).post(reverse("set_language"), {"language": "xx", "next": "/"})
    manager.refresh_from_db()
    assert manager.language == ""


# --- locale formats -------------------------------------------------------------------------


def test_english_dates_are_never_american() -> None:
    day = datetime.date(2026, 12, 6)
    with translation.override("en"):
        assert as_text(day) == "2026-12-06"
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-12-06"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.parametrize(
    ("language", "expected"), [("sl", "6.12.2026"), ("pl", "06-12-2026"), ("ru", "06.12.2026")]
)
def test_other_languages_keep_their_own_date_format(language: str, expected: str) -> None:
    with translation.override(language):
        assert as_text(datetime.date(2026, 12, 6)).replace(" ", "") == expected


# --- full names -----------------------------------------------------------------------------


def test_people_are_shown_by_full_name_in_filters_lists_and_history(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    manager.first_name, manager.last_name = "Anna", "Kowalska"
    manager.save()
    partner = make_partner("Acme")
    client = login(manager)
    listing = client.get(reverse("partners:list")).content.decode()
    assert "Anna Kowalska</option>" in listing  # the salesperson filter
    assert ">anna</option>" not in listing
    card = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert "Anna Kowalska" in card
    assert str(manager) == "Anna Kowalska"


# --- customers without a salesperson --------------------------------------------------------


@pytest.fixture
def unowned(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner("Walk-in customer", is_customer=True, owner=None)


def test_a_customer_without_a_salesperson_is_seen_by_every_salesperson(
    unowned: Partner, salesperson: User, make_user: Callable[..., User]
) -> None:
    assert unowned.owner is None
    other = make_user("sonia", "salesperson")
    assert Partner.objects.visible_to(salesperson).filter(pk=unowned.pk).exists()
    assert Partner.objects.visible_to(other).filter(pk=unowned.pk).exists()


def test_the_company_can_name_the_team_that_sees_them(
    unowned: Partner, company: Company, salesperson: User, make_user: Callable[..., User]
) -> None:
    team = Group.objects.create(name="Walk-in desk")
    company.unowned_customers_team = team
    company.save()
    member = make_user("tina", "salesperson")
    member.groups.add(team)
    member = User.objects.get(pk=member.pk)
    assert Partner.objects.visible_to(member).filter(pk=unowned.pk).exists()
    assert not Partner.objects.visible_to(User.objects.get(pk=salesperson.pk)).filter(pk=unowned.pk).exists()


def test_owned_customers_stay_private(
    make_partner: Callable[..., Partner], salesperson: User, make_user: Callable[..., User]
) -> None:
    other = make_user("sonia", "salesperson")
    theirs = make_partner("Sonia's customer", actor=other)
    assert not Partner.objects.visible_to(salesperson).filter(pk=theirs.pk).exists()


# --- autocomplete selects -------------------------------------------------------------------


def test_the_organisation_select_searches_the_server_instead_of_listing_200(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    for number in range(205):
        make_partner(f"Org {number:03}", kind="organisation")
    late = make_partner("Zebra Works", kind="organisation")
    client = login(manager)
    form = client.get(reverse("partners:create")).content.decode()
    assert "Org 000" not in form  # no list of every organisation
    assert 'hx-get="/autocomplete/partners.organisation/?field=organisation"' in form
    found = client.get("/autocomplete/partners.organisation/", {"q": "zebra", "field": "organisation"})
    assert f'<option value="{late.pk}">Zebra Works</option>' in found.content.decode()
    created = client.post(
        reverse("partners:create"),
        {
            "kind": "person",
            "name": "Jan Nowak",
            "organisation": late.pk,
            "language": "en",
            "allow_duplicate": "on",
        },
    )
    assert created.status_code == 302
    assert Partner.objects.get(name="Jan Nowak").organisation == late


def test_autocomplete_honours_record_rules_and_company(
    login: Callable[[User], Client],
    salesperson: User,
    manager: User,
    make_partner: Callable[..., Partner],
    other_company: Company,
) -> None:
    mine = make_partner("Mine Org", kind="organisation", actor=salesperson)
    theirs = make_partner("Their Org", kind="organisation", actor=manager)
    page = login(salesperson).get("/autocomplete/partners.organisation/", {"q": ""}).content.decode()
    assert f'value="{mine.pk}"' in page and f'value="{theirs.pk}"' not in page
    chosen = login(salesperson).get(
        "/autocomplete/partners.organisation/", {"field": "organisation", "organisation": theirs.pk}
    )
    assert f'value="{theirs.pk}"' not in chosen.content.decode()
    assert login(salesperson).get("/autocomplete/no.such/").status_code == 404


def test_the_salesperson_select_finds_people_by_full_name(
    login: Callable[[User], Client], company: Company, manager: User, make_user: Callable[..., User]
) -> None:
    piotr = make_user("piotr", "salesperson", first_name="Piotr", last_name="Zieliński")
    make_user("pia", "salesperson", first_name="Pia", last_name="Zielińska")  # not in Anna's team
    targets.create_team(company, None, name="North", leader=manager, members=[piotr])
    page = login(manager).get("/autocomplete/partners.salesperson/", {"q": "zieli"}).content.decode()
    assert "Piotr Zieliński</option>" in page
    assert "Zielińska" not in page  # a manager offers customers to the team they lead
