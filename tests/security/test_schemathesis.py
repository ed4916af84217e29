"""Schemathesis against the served OpenAPI schema: every operation, every check, bounded.

Requests are generated from ``/api/schema/`` (positive and negative data) and sent to the
WSGI application with a bearer token of a superuser of a company holding some records.
Each response must pass all of Schemathesis' checks: no server error, status codes, content
types, headers and bodies as documented, bad data refused, good data accepted. Runs in
``make test-pg`` (PostgreSQL only, where NUL characters and overflows differ); on SQLite set
``TANDEM_SCHEMATHESIS=1`` to run it too. Fixed seed; ``TANDEM_SCHEMATHESIS_EXAMPLES``
examples per operation and mode (default 15, about two minutes on a quiet machine).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tandem.core.services import issue_api_token
from tandem.wsgi import application

EXAMPLES = int(os.environ.get("TANDEM_SCHEMATHESIS_EXAMPLES", "15"))
# Every check runs. One is told what this API answers to data the schema cannot judge: an id
# that names no row the user may use, a date that leaves years 1-9999 in UTC, or a cursor the
# list did not make is a 400 naming the field (documented on every operation), not a 2xx.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "412", "422", "429"]
            }
        }
    }
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql" and not os.environ.get("TANDEM_SCHEMATHESIS"),
        reason="runs on PostgreSQL (make test-pg); TANDEM_SCHEMATHESIS=1 runs it here",
    ),
    pytest.mark.django_db,
]


@pytest.fixture
def api_schema(db: Any) -> Iterator[Any]:
    """The served schema, requests sent straight to the WSGI app inside the test's transaction
    (as Django's test client does, the app must not close the connection after each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(admin: Any, make_partner: Any) -> dict[str, str]:
    for name in ("Acme Ltd", "Nowak Sp. z o.o.", "Jan Kowalski"):
        make_partner(name, email=f"{name.split()[0].lower()}@example.com")
    _token, secret = issue_api_token(admin, "schemathesis")
    return {"Authorization": f"Bearer {secret}"}


SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: the same requests on every run, so a failure reproduces
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


# The operations are dealt into this many parts, each a test of its own, so that the suite's
# parallel workers share the run (as one test it held one worker for most of the PostgreSQL run).
PARTS = 8


@pytest.mark.parametrize("part", range(PARTS))
def test_the_api_holds_against_generated_requests(api_schema: Any, bearer: dict[str, str], part: int) -> None:
    """Every operation of the served schema, valid and invalid data, every built-in check."""
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations[part::PARTS]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def probe(case: Any) -> None:
                case.call_and_validate(headers=bearer)

            try:
                probe()
            except (Exception, BaseExceptionGroup) as failure:  # one report for the whole API
                failures[f"{operation.label} ({mode.value})"] = str(failure)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
