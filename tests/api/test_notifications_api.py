"""``/api/v1/notifications/``: one's own notifications only, the unread count, mark as read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from tandem.core.models import Company, User
from tandem.core.notifications import services
from tandem.core.notifications.models import Notification

pytestmark = pytest.mark.django_db

NOTIFICATIONS = "/api/v1/notifications/"


@pytest.fixture
def inboxes(company: Company, salesperson: User, other_salesperson: User, manager: User) -> None:
    for title in ("Deal won", "Invoice overdue"):
        services.notify(salesperson, kind="test.event", title=title, company=company, actor=manager)
    services.notify(other_salesperson, kind="test.event", title="Not yours", company=company)


def test_the_list_has_only_ones_own_newest_first(
    api_as: Callable[[User], APIClient], salesperson: User, inboxes: None
) -> None:
    response = api_as(salesperson).get(NOTIFICATIONS)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == ["Invoice overdue", "Deal won"]
    assert rows[0]["actor"] == "anna" and rows[0]["is_read"] is False and rows[0]["kind"] == "test.event"


def test_mark_one_read_then_the_count_and_the_filter_follow(
    api_as: Callable[[User], APIClient], salesperson: User, inboxes: None
) -> None:
    client = api_as(salesperson)
    assert client.get(f"{NOTIFICATIONS}unread-count/").json() == {"unread": 2}
    first = Notification.objects.get(title="Deal won")

    response = client.post(f"{NOTIFICATIONS}{first.pk}/read/")

    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert client.get(f"{NOTIFICATIONS}unread-count/").json() == {"unread": 1}
    unread = client.get(NOTIFICATIONS, {"unread": "true"}).json()["results"]
    assert [row["title"] for row in unread] == ["Invoice overdue"]
    assert client.post(f"{NOTIFICATIONS}{first.pk}/read/").status_code == 200  # again: no change


def test_read_all_touches_only_ones_own(
    api_as: Callable[[User], APIClient], salesperson: User, inboxes: None
) -> None:
    response = api_as(salesperson).post(f"{NOTIFICATIONS}read-all/")
    assert response.json() == {"marked": 2}
    assert Notification.objects.get(title="Not yours").read_at is None


def test_someone_elses_notification_is_not_found(
    api_as: Callable[[User], APIClient], salesperson: User, inboxes: None
) -> None:
    theirs = Notification.objects.get(title="Not yours")
    client = api_as(salesperson)
    assert client.get(f"{NOTIFICATIONS}{theirs.pk}/").status_code == 404
    assert client.post(f"{NOTIFICATIONS}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_cannot_be_written_through_the_api(
    api_as: Callable[[User], APIClient], salesperson: User, inboxes: None
) -> None:
    client = api_as(salesperson)
    mine = Notification.objects.filter(recipient=salesperson).first()
    assert mine is not None
    assert client.post(NOTIFICATIONS, {"title": "Fake", "kind": "x"}, format="json").status_code == 405
    assert client.delete(f"{NOTIFICATIONS}{mine.pk}/").status_code == 405
    assert not Notification.objects.filter(title="Fake").exists()


def test_signed_out_callers_are_refused(inboxes: None) -> None:
    assert APIClient().get(NOTIFICATIONS).status_code in (401, 403)
    assert APIClient().post(f"{NOTIFICATIONS}read-all/").status_code in (401, 403)
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_the_schema_documents_the_endpoints(api_as: Callable[[User], APIClient], manager: User) -> None:
    schema = api_as(manager).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/v1/notifications/", "/api/v1/notifications/{id}/read/",
                 "/api/v1/notifications/read-all/", "/api/v1/notifications/unread-count/"):  # fmt: skip
        assert path in schema["paths"]
