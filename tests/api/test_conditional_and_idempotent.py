"""Lost updates and double submissions: ETag/If-Match, If-None-Match, Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tandem.catalog.models import Product
from tandem.core.models import Event, IdempotencyRecord, User
from tandem.partners.models import Partner
from tandem.partners.services import update_partner
from tests.api.conftest import PARTNERS, PRODUCTS, assert_problem, detail

# --- ETag, If-Match, If-None-Match ---------------------------------------------------------


def test_get_gives_an_etag_and_if_none_match_answers_304(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    url = detail(PARTNERS, make_partner("Nowak").pk)
    etag = manager_api.get(url)["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    not_modified = manager_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert manager_api.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert manager_api.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_the_etag_changes_with_every_update(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    url = detail(PARTNERS, make_partner("Nowak").pk)
    first = manager_api.get(url)["ETag"]
    changed = manager_api.patch(url, {"notes": "called"}, format="json", HTTP_IF_MATCH=first)
    assert changed.status_code == 200 and changed["ETag"] != first
    assert changed["ETag"] == manager_api.get(url)["ETag"]
    assert manager_api.get(url, HTTP_IF_NONE_MATCH=first).status_code == 200


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_stale_if_match_is_a_412_and_changes_nothing(
    manager_api: APIClient, manager: User, make_partner: Callable[..., Partner], method: str
) -> None:
    partner = make_partner("Nowak")
    url = detail(PARTNERS, partner.pk)
    stale = manager_api.get(url)["ETag"]
    update_partner(partner, manager, notes="someone else was faster")
    events = Event.objects.count()
    response = getattr(manager_api, method)(url, {"name": "Mine"}, format="json", HTTP_IF_MATCH=stale)
    problem = assert_problem(response, 412)
    assert problem["type"].endswith("/stale-version")
    partner.refresh_from_db()
    assert (partner.name, partner.active, partner.version) == ("Nowak", True, 2)
    assert Event.objects.count() == events


def test_a_weak_etag_never_satisfies_if_match(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    url = detail(PARTNERS, make_partner("Nowak").pk)
    etag = manager_api.get(url)["ETag"]
    assert_problem(manager_api.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH=f"W/{etag}"), 412)
    assert manager_api.patch(url, {"notes": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_the_current_if_match_succeeds_for_products_too(
    manager_api: APIClient, make_product: Callable[..., Product]
) -> None:
    product = make_product()
    url = detail(PRODUCTS, product.pk)
    etag = manager_api.get(url)["ETag"]
    assert manager_api.patch(url, {"name": "New"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert_problem(manager_api.patch(url, {"name": "Newer"}, format="json", HTTP_IF_MATCH=etag), 412)
    assert manager_api.delete(url, HTTP_IF_MATCH=manager_api.get(url)["ETag"]).status_code == 204
    product.refresh_from_db()
    assert (product.name, product.active) == ("New", False)


# --- Idempotency-Key ---------------------------------------------------------------------


def _post(client: APIClient, body: dict[str, Any], key: str) -> Any:
    return client.post(PARTNERS, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_post_replays_the_first_answer_and_creates_one_partner(manager_api: APIClient) -> None:
    body = {"name": "Nowak", "email": "biuro@nowak.pl"}
    first = _post(manager_api, body, "order-42")
    second = _post(manager_api, {"email": "biuro@nowak.pl", "name": "Nowak"}, "order-42")  # keys reordered
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert second["Content-Type"] == first["Content-Type"]
    assert Partner.objects.count() == 1
    assert Event.objects.filter(name="partner.created").count() == 1


def test_the_same_key_with_another_body_is_a_422(manager_api: APIClient) -> None:
    assert _post(manager_api, {"name": "Nowak"}, "k-1").status_code == 201
    problem = assert_problem(_post(manager_api, {"name": "Kowalski"}, "k-1"), 422)
    assert problem["type"].endswith("/idempotency-key-reused")
    assert list(Partner.objects.values_list("name", flat=True)) == ["Nowak"]


def test_keys_belong_to_one_user(manager_api: APIClient, sales_api: APIClient) -> None:
    assert _post(manager_api, {"name": "Nowak"}, "shared").status_code == 201
    second = _post(sales_api, {"name": "Nowak Two"}, "shared")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Partner.objects.count() == 2


def test_a_refused_request_is_replayed_as_refused_without_running_again(manager_api: APIClient) -> None:
    first = _post(manager_api, {"name": "Nowak", "phone": "12"}, "bad-1")
    assert_problem(first, 400, "phone")
    again = _post(manager_api, {"name": "Nowak", "phone": "12"}, "bad-1")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert not Partner.objects.exists()


def test_a_duplicate_409_is_stored_and_replayed(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    make_partner("Nowak", tax_id="5260250995", country="PL")
    body = {"name": "Nowak", "tax_id": "5260250995", "country": "PL"}
    assert _post(manager_api, body, "dup").status_code == 409
    assert _post(manager_api, body, "dup")["Idempotent-Replayed"] == "true"
    assert Partner.objects.count() == 1


def test_a_crash_leaves_no_record_and_no_partner(
    manager_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tandem.partners import services

    real = services.create_partner

    def crash(*args: Any, **kwargs: Any) -> Partner:
        real(*args, **kwargs)
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "create_partner", crash)
    manager_api.raise_request_exception = False
    assert _post(manager_api, {"name": "Nowak"}, "crash-1").status_code == 500
    assert not Partner.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.setattr(services, "create_partner", real)
    retried = _post(manager_api, {"name": "Nowak"}, "crash-1")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert Partner.objects.count() == 1


def test_idempotency_works_for_business_actions_too(
    manager_api: APIClient, make_partner: Callable[..., Partner]
) -> None:
    survivor, duplicate = make_partner("Nowak"), make_partner("Nowak Sp. z o.o.")
    url = f"{detail(PARTNERS, survivor.pk)}merge/"
    body = {"duplicates": [duplicate.pk]}
    first = manager_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="merge-1")
    second = manager_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="merge-1")
    assert first.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert Event.objects.filter(name="partner.merged").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 129, "naïve-ключ", "with space"])
def test_a_malformed_key_is_a_400(manager_api: APIClient, key: str) -> None:
    assert_problem(_post(manager_api, {"name": "Nowak"}, key), 400, "Idempotency-Key")
    assert not Partner.objects.exists()


def test_without_a_key_each_post_acts(manager_api: APIClient) -> None:
    for _ in range(2):
        assert (
            manager_api.post(PARTNERS, {"name": "Nowak", "allow_duplicate": True}, format="json").status_code
            == 201
        )
    assert Partner.objects.count() == 2 and not IdempotencyRecord.objects.exists()
