"""Fixtures of the settings-area tests: administrators who are not superusers, in each company."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.core import roles
from tandem.core.models import Company, User
from tests.core.notifications.conftest import eager, smtp_server  # real SMTP server, eager tasks
from tests.web.support import signed_in

__all__ = ["eager", "smtp_server"]


@pytest.fixture
def login() -> Callable[[User], Client]:
    return signed_in


@pytest.fixture
def boss(make_user: Callable[..., User]) -> User:
    """An administrator of ``company`` (role, not superuser)."""
    return make_user("boss", roles.ADMINISTRATOR, email="boss@tandem.example")


@pytest.fixture
def other_boss(make_user: Callable[..., User], other_company: Company) -> User:
    """An administrator of ``other_company`` only."""
    return make_user("otherboss", roles.ADMINISTRATOR, company=other_company)
