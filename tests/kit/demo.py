"""``DemoCase``: the checks that read the small demo share one build of it.

Building the demo takes half a minute and every domain adds to it, so the suite builds it once
per database: ``setUpTestData`` builds it inside the class's transaction; each test runs in a
savepoint rolled back to that build, and the class's transaction is rolled back at the end, so
what a test writes is seen by no other test.

A domain contributes its checks as a ``DemoChecks`` mixin in ``tests/<domain>/demo_checks.py``
(not named ``Test…``, so it is not collected, and builds nothing, on its own), which
``tests/test_demo.py``'s one ``DemoCase`` class inherits. The class's tests are one xdist group,
so they run on one worker and the demo is not built twice (``--dist loadgroup``).
"""

from __future__ import annotations

import pytest
from django.test import TestCase, override_settings

from tandem.demo import DemoSummary, build_demo
from tests.conftest import ensure_reference_data


class DemoChecks:
    """A domain's checks of the demo; ``summary`` is the build's."""

    summary: DemoSummary


@pytest.mark.xdist_group("demo")
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoCase(TestCase):
    summary: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_reference_data()
        cls.summary = build_demo("small")
