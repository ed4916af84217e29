"""Queries the planner cannot get wrong at a million rows: record rules as correlated checks,
not lists of ids; a filter for every list filter the UI offers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core.models import User
from tandem.partners.models import Partner
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


def test_recent_activity_checks_each_event_instead_of_listing_visible_partners(
    salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Mine Ltd", actor=salesperson)
    client = signed_in(salesperson)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    [events] = [q["sql"] for q in queries.captured_queries if 'FROM "core_event"' in q["sql"]]
    assert "EXISTS" in events and '"partner_id" IN (SELECT' not in events


@pytest.mark.parametrize("filter_name", ["country", "kind", "is_customer", "is_supplier", "owner", "active"])
def test_every_partner_filter_has_an_index_in_name_order(filter_name: str) -> None:
    """A filter that matches little must not walk every partner in name order."""
    indexed = {
        tuple(index.fields[:3])
        for index in Partner._meta.indexes
        if index.fields and index.fields[0] == "company"
    }
    assert ("company", filter_name, "name_key") in indexed
