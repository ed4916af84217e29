"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.core import roles
from tandem.core.models import Company, User
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
