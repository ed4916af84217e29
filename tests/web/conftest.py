"""Fixtures for page tests: signed-in clients, and static URLs without a collectstatic manifest."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.core.models import User
from tests.web.support import signed_in


@pytest.fixture
def login() -> Callable[[User], Client]:
    return signed_in
