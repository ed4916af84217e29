"""Leaks: nobody learns of records they may not see — not from a duplicate check, not through a
token that followed its owner into another company, not from another company's API lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tandem.core import roles
from tandem.core.services import grant_company, issue_api_token
from tandem.crm import targets
from tandem.partners.models import Partner
from tests.security import surface

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/partners/"
SECRET_NAME = "Zebra Confidential Trading"
SECRET = {"email": "buyer@zebra-confidential.example", "phone": "+48 22 555 01 77", "tax_id": "5260250995"}
# What a salesperson types that matches the colleague's customer, per duplicate rule.
MATCHING = {
    "email": {"name": "Somebody New", "email": SECRET["email"]},
    "phone": {"name": "Somebody New", "phone": SECRET["phone"]},
    "tax_id": {"name": "Somebody New", "tax_id": "526-025-09-95", "country": "PL"},
    "name": {"name": "Zebra Confidential Trading Ltd"},
}


@pytest.fixture
def colleagues_customer(make_user: Any, make_partner: Any) -> Partner:
    sofia = make_user("sofia", roles.SALESPERSON)
    return make_partner(SECRET_NAME, actor=sofia, owner=sofia, is_customer=True, country="PL", **SECRET)


def _leaks(text: str, partner: Partner) -> bool:
    return SECRET_NAME in text or SECRET["email"] in text or f'"id":{partner.pk}' in text.replace(" ", "")


@pytest.mark.parametrize("rule", MATCHING, ids=str)
def test_the_api_duplicate_check_names_no_partner_the_caller_may_not_see(
    rule, api_client_of, salesperson, colleagues_customer
):
    response = api_client_of(salesperson).post(PARTNERS, MATCHING[rule], format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["duplicates"] == []
    assert body["hidden_duplicates"] == 1
    assert "may not open" in body["detail"] and "administrator" in body["detail"]
    assert not _leaks(response.content.decode(), colleagues_customer)
    assert Partner.objects.count() == 1


@pytest.mark.parametrize("rule", MATCHING, ids=str)
def test_the_form_duplicate_check_names_no_partner_the_user_may_not_see(
    rule, client, salesperson, colleagues_customer
):
    client.force_login(salesperson)
    data = {"kind": "organisation", "language": "en", "is_customer": "on", "owner": salesperson.pk}
    page = client.post(reverse("partners:create"), {**data, **MATCHING[rule]})
    text = page.content.decode()
    for typed in MATCHING[rule].values():  # the form shows back what was typed
        text = text.replace(f'value="{typed}"', "")
    assert page.status_code in {200, 409}
    assert "may not open" in text
    assert SECRET_NAME not in text and SECRET["email"] not in text
    assert reverse("partners:detail", args=[colleagues_customer.pk]) not in text
    assert Partner.objects.count() == 1


def test_someone_who_may_see_the_duplicate_still_gets_its_name(api_client_of, manager, colleagues_customer):
    sofia = colleagues_customer.owner  # Anna leads Sofia's team (issue 16: a manager sees the team's)
    targets.create_team(colleagues_customer.company, None, name="North", leader=manager, members=[sofia])
    body = api_client_of(manager).post(PARTNERS, MATCHING["email"], format="json").json()
    assert [d["id"] for d in body["duplicates"]] == [colleagues_customer.pk]
    assert body["hidden_duplicates"] == 0


# --- API tokens belong to one company ------------------------------------------------------


def test_a_token_stays_in_its_company_when_its_owner_switches_in_the_browser(
    client, api_client_of, admin, company, other_company, make_partner
):
    make_partner("Only In Tandem")
    grant_company(admin, other_company)
    api = api_client_of(admin)  # issued while working in ``company``
    client.force_login(admin)
    assert client.post(reverse("switch_company"), {"company": other_company.pk}).status_code == 302
    admin.refresh_from_db()
    assert admin.active_company_id == other_company.pk
    names = [row["name"] for row in api.get(PARTNERS).json()["results"]]
    assert names == ["Only In Tandem"]
    created = api.post(PARTNERS, {"name": "Made Through The Token"}, format="json")
    assert created.status_code == 201, created.content
    assert Partner.objects.get(name="Made Through The Token").company_id == company.pk


def test_a_token_issued_in_the_other_company_works_there(api_client_of, admin, company, other_company):
    grant_company(admin, other_company)
    admin.active_company = other_company
    admin.save(update_fields=["active_company"])
    api = api_client_of(admin)
    admin.active_company = company
    admin.save(update_fields=["active_company"])
    api.post(PARTNERS, {"name": "Elsewhere Customer"}, format="json")
    assert Partner.objects.get(name="Elsewhere Customer").company_id == other_company.pk


def test_a_token_stops_when_its_owner_leaves_the_company(api_client_of, manager, company):
    api = api_client_of(manager)
    manager.companies.remove(company)
    assert api.get(PARTNERS).status_code in {403, 404} or api.get(PARTNERS).json()["results"] == []


def test_the_token_list_of_a_company_shows_only_its_tokens(
    client, api_client_of, admin, boss, company, other_company, make_user
):
    shared = make_user("shared", roles.SALES_MANAGER)
    grant_company(shared, other_company)
    _theirs, _secret = issue_api_token(shared, "elsewhere job", company=other_company)
    _ours, _secret = issue_api_token(shared, "tandem job", company=company)
    client.force_login(boss)
    page = client.get(reverse("administration:user_detail", args=[shared.pk])).content.decode()
    assert "tandem job" in page and "elsewhere job" not in page
    revoke = client.post(reverse("administration:token_revoke", args=[_theirs.pk]))
    assert revoke.status_code == 404


# --- another company sees nothing, on every API collection of the served schema -----------


@pytest.mark.parametrize("op", surface.api_collections(), ids=str)
def test_another_companys_administrator_sees_none_of_our_rows(
    op, api_client_of, make_user, other_company, admin, make_partner, colleagues_customer
):
    make_partner("Ours Ltd", email="ours@tandem.example")
    outsider = make_user("otto", roles.ADMINISTRATOR, company=other_company)
    response = api_client_of(outsider).get(op.path)
    assert response.status_code < 500
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    text = raw.decode()
    assert "Ours Ltd" not in text and SECRET_NAME not in text


# --- headers: nothing private is cached; /health/ carries the security headers too ---------

SECURITY_HEADERS = ["X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy",
                    "Cross-Origin-Opener-Policy"]  # fmt: skip


@pytest.mark.parametrize("page", surface.list_pages(), ids=str)
def test_signed_in_pages_are_not_stored_by_caches(page, client, admin):
    client.force_login(admin)
    response = client.get(page.url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_home_page_and_the_api_are_not_stored_either(client, admin, api_client_of):
    client.force_login(admin)
    assert "no-store" in client.get("/")["Cache-Control"]
    assert "no-store" in api_client_of(admin).get(PARTNERS)["Cache-Control"]


def test_health_carries_the_security_headers(client):
    response = client.get("/health/")
    for header in SECURITY_HEADERS:
        assert response.has_header(header), header
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
