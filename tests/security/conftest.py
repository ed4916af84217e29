"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tandem.core import roles
from tandem.core.models import Company, User
from tandem.core.services import issue_api_token
from tests.web.support import signed_in


@pytest.fixture
def login() -> Callable[[User], Client]:
    return signed_in


@pytest.fixture
def boss(make_user: Callable[..., User]) -> User:
    """An administrator of ``company`` (role, not superuser)."""
    return make_user("boss", roles.ADMINISTRATOR)


@pytest.fixture
def strict_company(company: Company) -> Company:
    company.require_two_factor = True
    company.save()
    return company


@pytest.fixture
def api_client_of() -> Callable[[User], APIClient]:
    """An API client with a fresh bearer token of ``user`` (as integrations call the API)."""

    def make(user: User) -> APIClient:
        _token, secret = issue_api_token(user, "security tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make
