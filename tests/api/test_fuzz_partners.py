"""Property: whatever JSON object is POSTed, the API answers 201 or a 4xx problem — never a
5xx — and a refused request writes nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tandem.core.models import Event, IdempotencyRecord
from tandem.partners.models import Address, Partner
from tests.api.conftest import PARTNERS

KNOWN_FIELDS = [
    "kind", "name", "organisation", "job_title", "is_customer", "is_supplier", "owner", "tags", "group",
    "language", "currency", "payment_term", "email", "phone", "mobile", "website", "country", "tax_id",
    "registry_id", "ref", "notes", "active", "addresses", "address_text", "allow_duplicate", "id", "version",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(
        ["PL", "pl", "organisation", "person", "EUR", "+48221234567", "5260250995", "a@b.pl", ""]
    )
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
bodies = st.dictionaries(st.sampled_from(KNOWN_FIELDS) | st.text(max_size=12), values, max_size=6)


def _counts() -> tuple[int, int, int, int]:
    return (
        Partner.objects.count(),
        Address.objects.count(),
        Event.objects.count(),
        IdempotencyRecord.objects.count(),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_any_json_object_gets_201_or_a_4xx_that_writes_nothing(
    manager_api: APIClient, body: dict[str, Any]
) -> None:
    manager_api.raise_request_exception = False
    before = _counts()
    response = manager_api.post(PARTNERS, body, format="json")
    assert response.status_code == 201 or 400 <= response.status_code < 500, (response.status_code, body)
    if response.status_code != 201:
        assert response["Content-Type"].startswith("application/problem+json")
        assert _counts() == before, body
    else:
        assert Partner.objects.count() == before[0] + 1


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(KNOWN_FIELDS), scalars, max_size=5))
def test_any_named_fields_with_junk_values_never_crash(manager_api: APIClient, body: dict[str, Any]) -> None:
    manager_api.raise_request_exception = False
    before = _counts()
    response = manager_api.post(PARTNERS, {"name": "Fuzz", **body}, format="json")
    assert response.status_code == 201 or 400 <= response.status_code < 500, (response.status_code, body)
    if response.status_code != 201:
        assert _counts() == before, body
