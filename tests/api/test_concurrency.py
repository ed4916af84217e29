"""Two clients at the same instant: one idempotent POST acts once, one of two edits wins.

Row locks and unique-index waits only exist on PostgreSQL (SQLite serialises writers and
ignores ``select_for_update``), so these run there only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tandem.core.models import Event, IdempotencyRecord, User
from tandem.core.services import issue_api_token
from tandem.partners import services
from tandem.partners.models import Partner
from tests.api.conftest import PARTNERS, detail

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),  # the reference_data fixture re-seeds what a flush removed
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _client(user: User) -> APIClient:
    _token, secret = issue_api_token(user, "concurrency")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment; each thread has its own connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _slowed(monkeypatch: pytest.MonkeyPatch, name: str, *, before: float = 0.0, after: float = 0.0) -> None:
    real = getattr(services, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(before)
        result = real(*args, **kwargs)
        time.sleep(after)
        return result

    monkeypatch.setattr(services, name, slow)


def test_two_identical_idempotent_posts_at_once_create_one_partner(
    manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowed(monkeypatch, "create_partner", after=0.5)  # hold the claim while the twin arrives
    clients = [_client(manager), _client(manager)]

    def post(client: APIClient) -> Callable[[], Any]:
        return lambda: client.post(PARTNERS, {"name": "Nowak"}, format="json", HTTP_IDEMPOTENCY_KEY="same")

    first, second = _together([post(c) for c in clients])
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    assert sorted(r.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    assert Partner.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert Event.objects.filter(name="partner.created").count() == 1


def test_two_edits_with_the_same_etag_at_once_one_wins_one_gets_412(
    manager: User, make_partner: Callable[..., Partner], monkeypatch: pytest.MonkeyPatch
) -> None:
    partner = make_partner("Nowak")
    url = detail(PARTNERS, partner.pk)
    clients = [_client(manager), _client(manager)]
    etag = clients[0].get(url)["ETag"]
    _slowed(monkeypatch, "update_partner", before=0.3)  # both pass the header check first

    def patch(client: APIClient, notes: str) -> Callable[[], Any]:
        return lambda: client.patch(url, {"notes": notes}, format="json", HTTP_IF_MATCH=etag)

    results = _together([patch(clients[0], "A"), patch(clients[1], "B")])
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200)
    partner.refresh_from_db()
    assert partner.version == 2 and partner.notes == winner.json()["notes"]
