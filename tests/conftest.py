"""Shared fixtures: companies, users in roles, and helpers that create records via services."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.sql import emit_post_migrate_signal
from django.utils import translation

from tandem.core import events, roles
from tandem.core.models import Company, Currency, Uom, User
from tandem.core.reference import seed
from tandem.core.services import create_company, grant_company
from tandem.partners.models import Partner
from tandem.partners.services import create_partner

# Coverage tracing (make test) and a busy machine slow the drawing of examples down; how fast
# hypothesis draws them, or runs one (its 200 ms deadline, a time asserted in a test: speed is
# measured in bench/), is not what the suite asserts.
hypothesis.settings.register_profile(
    "tandem", suppress_health_check=[hypothesis.HealthCheck.too_slow], deadline=None
)
hypothesis.settings.load_profile("tandem")

pytest_plugins = [
    "pytester",
    "tests.browser",
    "tests.kit.invariants",
    "tests.kit.query_counts",
    "tests.kit.fast_flush",
]


def ensure_reference_data() -> None:
    """Reference rows and role groups come from migrations; a transactional test's flush removes them."""
    if not Currency.objects.exists():
        seed(django_apps)
    if not Group.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # permissions, then roles


@pytest.fixture
def reference_data(db: Any) -> None:
    ensure_reference_data()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The PostgreSQL run skips the tests that never touch its database: the SQLite run has
    already run them, unchanged."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    repeated = pytest.mark.skip(reason="runs on a SQLite database of its own; the SQLite run covers it")
    for item in items:
        if item.get_closest_marker("own_sqlite"):
            item.add_marker(repeated)


@pytest.fixture
def declare_events() -> Iterator[Callable[..., None]]:
    """Declare throw-away events for one test (``record`` refuses undeclared names)."""
    added: list[str] = []

    def declare(*types: events.EventType) -> None:
        events.declare(*types)
        added.extend(t.name for t in types)

    yield declare
    for name in added:
        events.undeclare(name)


@pytest.fixture
def eur(reference_data: None) -> Currency:
    return Currency.objects.get(code="EUR")


@pytest.fixture
def company(eur: Currency) -> Company:
    return create_company(name="Tandem Furniture", code="tandem", currency=eur, country="PL")


@pytest.fixture
def other_company(eur: Currency) -> Company:
    return create_company(name="Elsewhere Ltd", code="elsewhere", currency=eur, country="DE")


@pytest.fixture
def pcs(reference_data: None) -> Uom:
    return Uom.objects.get(code="pcs")


@pytest.fixture
def make_user(company: Company, reference_data: None) -> Callable[..., User]:
    def make(username: str, role: str | None = None, *, company: Company = company, **extra: Any) -> User:
        user = User.objects.create_user(username=username, password="secret-pass-123", **extra)
        if role:
            user.groups.add(Group.objects.get(name=role))
        grant_company(user, company)
        return User.objects.get(pk=user.pk)  # fresh permission cache

    return make


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("admin", roles.ADMINISTRATOR, is_superuser=True, is_staff=True)


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("anna", roles.SALES_MANAGER)


@pytest.fixture
def salesperson(make_user: Callable[..., User]) -> User:
    return make_user("sam", roles.SALESPERSON)


@pytest.fixture
def other_salesperson(make_user: Callable[..., User]) -> User:
    return make_user("sofia", roles.SALESPERSON)


@pytest.fixture
def make_partner(company: Company, manager: User) -> Callable[..., Partner]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, *, actor: User | None = None, **fields: Any) -> Partner:
        """Anna's partner, or the named owner's, or nobody's with ``owner=None`` (those two made
        by the system: a manager gives customers only to the team they lead)."""
        fields.setdefault("allow_duplicate", True)
        if actor is None and fields.get("owner", manager) == manager:
            actor = manager  # an explicit owner=None is the system's unowned partner
        return create_partner(company, actor, name=name or f"Customer {next(counter)}", **fields)

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests only need a password that works."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """The manifest storage needs ``collectstatic`` first; tests resolve static URLs directly."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_content_type_cache() -> None:
    """A transactional test's flush renumbers content types; a stale cache would break event rows."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _english_unless_asked() -> Iterator[None]:
    """LocaleMiddleware leaves a request's language active in the thread; don't let it leak."""
    translation.activate("en")
    yield
    translation.deactivate()
