"""/api/v1/accounting/settings/: the company's accounting settings read with GET (ETag, 304)
and changed with PATCH under If-Match as the settings page does — the books' writers change the
settings, only an administrator moves the lock date (recorded in the event log by the page's
service), readers change nothing, another company's accounts are unknown ids."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tandem.accounting.models import Account, BooksSettings
from tandem.core import roles
from tandem.core.models import Company, Event, User
from tests.accounting.conftest import READER, books_of
from tests.kit.api import api_client, assert_problem

pytestmark = pytest.mark.django_db
URL = "/api/v1/accounting/settings/"


@pytest.fixture
def books(company: Company) -> BooksSettings:
    return books_of(company)


def test_readers_get_the_settings_with_their_etag(
    books: BooksSettings, make_user: Callable[..., User]
) -> None:
    client = api_client(make_user("aud", READER))
    answer = client.get(URL)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["id"] == books.pk and body["version"] == books.version
    assert body["write_off_account"] == books.write_off_account_id and "lock_date" in body
    assert client.get(URL, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
    assert_problem(client.patch(URL, {"tax_rounding": "document"}, format="json"), 403)
    assert api_client(make_user("sam", roles.SALESPERSON)).get(URL).status_code == 403


def test_an_accountant_changes_the_settings_under_if_match(
    company: Company, other_company: Company, books: BooksSettings, make_user: Callable[..., User]
) -> None:
    client = api_client(make_user("ada", roles.ACCOUNTANT))
    etag = client.get(URL)["ETag"]
    changed = client.patch(
        URL, {"tax_rounding": "document", "write_off_tolerance": "1.50"}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["tax_rounding"], changed.json()["write_off_tolerance"]) == ("document", "1.5000")
    assert changed["ETag"] != etag
    assert Event.objects.filter(name="books.updated", company=company).exists()
    stale = client.patch(URL, {"tax_rounding": "line"}, format="json", HTTP_IF_MATCH=etag)
    assert_problem(stale, 412)
    theirs = Account.objects.filter(company=books_of(other_company).company).first()
    assert theirs is not None
    refused = client.patch(URL, {"write_off_account": theirs.pk}, format="json")
    assert_problem(refused, 400, "write_off_account")
    lock = client.patch(URL, {"lock_date": "2026-01-31"}, format="json")
    assert_problem(lock, 403)  # the lock date is the administrator's
    books.refresh_from_db()
    assert books.lock_date is None and books.write_off_account_id != theirs.pk
    assert not Event.objects.filter(name="books.lock_date_moved").exists()


def test_an_administrator_moves_the_lock_date_in_the_event_log(
    books: BooksSettings, make_user: Callable[..., User]
) -> None:
    root = make_user("root", roles.ADMINISTRATOR)
    client = api_client(root)
    etag = client.get(URL)["ETag"]
    moved = client.patch(URL, {"lock_date": "2026-01-31"}, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200, moved.content
    assert moved.json()["lock_date"] == "2026-01-31"
    event = Event.objects.get(name="books.lock_date_moved")
    assert (event.actor, event.data["lock_date"]) == (root, [None, "2026-01-31"])
    again = client.patch(URL, {"lock_date": "2026-01-31"}, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert again.status_code == 200
    assert Event.objects.filter(name="books.lock_date_moved").count() == 1  # not moved: not recorded
