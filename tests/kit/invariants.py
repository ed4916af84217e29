"""The autouse ``invariants`` fixture: after every story and every hypothesis property test
that used the database, each ledger invariant registered with ``tandem.core.invariants``
must hold, or the test fails naming the broken invariant and what it found.

A story is a test marked ``story`` (every test under ``tests/stories/`` is); a property test
is one ``@given`` wraps. Registered for the whole suite by ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import is_hypothesis_test

from tandem.core import invariants as registry


def is_checked(item: pytest.Item) -> bool:
    if item.get_closest_marker("story") is not None:
        return True
    return is_hypothesis_test(getattr(item, "obj", None))


def uses_database(request: pytest.FixtureRequest) -> bool:
    return "_django_db_helper" in request.fixturenames or bool(request.node.get_closest_marker("django_db"))


@pytest.fixture(autouse=True)
def invariants(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs the checks after the test body, while its rows are still in the database."""
    if not (is_checked(request.node) and uses_database(request)):
        yield
        return
    request.getfixturevalue("db")  # set up before this fixture, so torn down (rolled back) after it
    yield
    broken = registry.violations()
    if broken:
        pytest.fail(registry.describe(broken), pytrace=False)
