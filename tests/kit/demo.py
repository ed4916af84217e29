"""``DemoCase``: checks that read the small demo share one build of it per class.

Building the demo takes seconds and every domain adds to it, so a test module that looks at
it must not build it once per test. ``setUpTestData`` builds it inside the class's
transaction; each test runs in a savepoint rolled back to that build, and the class's
transaction is rolled back at the end, so what a test writes is seen by no other test.
"""

from __future__ import annotations

from django.test import TestCase, override_settings

from tandem.demo import DemoSummary, build_demo
from tests.conftest import ensure_reference_data


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoCase(TestCase):
    summary: DemoSummary

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_reference_data()
        cls.summary = build_demo("small")
