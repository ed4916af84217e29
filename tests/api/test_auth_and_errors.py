"""Who may call the API, and what every failure looks like: RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.test import APIClient

from tandem.api.errors import problem_details_handler
from tandem.core import roles
from tandem.core.models import ApiToken, User
from tandem.core.services import issue_api_token, revoke_api_token
from tandem.partners.models import Partner
from tests.api.conftest import PARTNERS, PROBLEM, TAGS, assert_problem, detail


def test_a_bearer_token_authenticates_and_is_marked_used(
    manager: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Nowak")
    token, secret = issue_api_token(manager, "ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = client.get(PARTNERS)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Nowak"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_gets_401_problem(manager: User) -> None:
    token, secret = issue_api_token(manager, "old laptop")
    revoke_api_token(token, manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    problem = assert_problem(client.get(PARTNERS), 401)
    assert problem["type"].endswith("/authentication-failed")
    assert client.get(PARTNERS)["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer tdm_not-a-real-token", "Bearer", "Bearer two parts", "Bearer \xff\xfe"]
)
def test_a_wrong_or_malformed_token_gets_401_problem(db: None, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_problem(client.get(PARTNERS), 401)


def test_no_credentials_get_401_problem(db: None) -> None:
    problem = assert_problem(APIClient().get(PARTNERS), 401)
    assert problem["type"].endswith("/not-authenticated")


def test_session_login_works_and_writes_need_the_csrf_token(manager: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(PARTNERS).status_code == 200
    assert_problem(client.post(PARTNERS, {"name": "Nowak"}, format="json"), 403)
    assert not Partner.objects.exists()


def test_a_role_without_the_permission_gets_403_problem(
    make_user: Callable[..., User], api_as: Callable[[User], APIClient]
) -> None:
    hr = make_user("hanna", roles.HR)  # may view partners, not create them
    client = api_as(hr)
    assert client.get(PARTNERS).status_code == 200
    assert_problem(client.post(PARTNERS, {"name": "Nowak"}, format="json"), 403)
    assert not Partner.objects.exists()


def test_framework_errors_are_problems_too(manager_api: APIClient) -> None:
    assert_problem(manager_api.get(detail(PARTNERS, 999_999)), 404)
    assert_problem(manager_api.get(detail(PARTNERS, "not-a-number")), 404)
    assert_problem(manager_api.put(detail(TAGS, 1), {}, format="json"), 405)
    assert_problem(manager_api.post(PARTNERS, "name=x", content_type="text/plain"), 415)
    assert_problem(manager_api.post(PARTNERS, "{not json", content_type="application/json"), 400)
    assert_problem(manager_api.post(PARTNERS, '{"name": NaN}', content_type="application/json"), 400)
    assert_problem(manager_api.post(PARTNERS, "[" * 100_000, content_type="application/json"), 400)
    assert not Partner.objects.exists()


def test_an_unknown_api_url_is_a_404_problem(manager_api: APIClient) -> None:
    response = manager_api.get("/api/v1/nothing/here/")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


def test_the_browsable_api_still_renders_html_errors(manager: User) -> None:
    client = APIClient()
    client.force_login(manager)
    response = client.get(detail(PARTNERS, 999_999), HTTP_ACCEPT="text/html")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_tokens_are_stored_hashed(manager: User) -> None:
    _token, secret = issue_api_token(manager, "hash check")
    assert not ApiToken.objects.filter(key_hash=secret).exists()
    assert not ApiToken.objects.filter(prefix=secret).exists()


def test_a_missing_slash_is_named_in_the_404(manager_api: APIClient) -> None:
    problem = assert_problem(manager_api.post(PARTNERS.rstrip("/"), {"name": "Nowak"}, format="json"), 404)
    assert PARTNERS in problem["detail"]
    assert not Partner.objects.exists()


def test_an_unacceptable_media_type_is_a_406_problem(manager_api: APIClient) -> None:
    assert_problem(manager_api.get(PARTNERS, HTTP_ACCEPT="application/xml"), 406)


def test_a_body_over_the_upload_limit_is_a_413_problem(manager_api: APIClient, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"name": "Nowak", "notes": "x" * 2000}
    assert_problem(manager_api.post(PARTNERS, body, format="json"), 413)
    assert not Partner.objects.exists()


def test_throttling_and_plain_django_errors_become_problems() -> None:
    throttled = problem_details_handler(exceptions.Throttled(wait=7), {})
    assert throttled is not None and throttled.status_code == 429
    assert throttled["Retry-After"] == "7" and throttled.content_type == PROBLEM
    assert throttled.data["type"].endswith("/throttled")
    missing = problem_details_handler(Http404("gone"), {})
    assert missing is not None and missing.status_code == 404 and missing.data["type"].endswith("/not-found")
    denied = problem_details_handler(DjangoPermissionDenied(), {})
    assert denied is not None and denied.status_code == 403
    assert problem_details_handler(RuntimeError("bug"), {}) is None  # a real 500 stays a 500


def test_a_token_of_a_company_its_owner_left_reads_nothing_and_cannot_create(
    manager: User, api_as: Callable[[User], APIClient], make_partner: Callable[..., Partner]
) -> None:
    make_partner("Nowak")
    client = api_as(manager)
    manager.companies.clear()  # the token's company is no longer theirs
    assert client.get(PARTNERS).json()["results"] == []
    assert_problem(client.post(PARTNERS, {"name": "Kowalski"}, format="json"), 403)
    assert Partner.objects.count() == 1
