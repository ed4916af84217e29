"""Domains notify with one call; people see a bell with their unread count and read their own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.notifications import services as notifications
from tandem.core.notifications.models import Notification, NotificationPreference, OutgoingEmail
from tests.web.support import signed_in

pytestmark = pytest.mark.django_db


def _notify(user: User, **extra: Any) -> list[Notification]:
    values: dict[str, Any] = {"kind": "partners.assigned", "title": "You own Kowalski now", **extra}
    return notifications.notify(user, **values)


def test_one_call_notifies_in_the_app_and_by_email(
    company: Company, manager: User, salesperson: User, other_salesperson: User
) -> None:
    salesperson.email = "sam@example.com"
    salesperson.save()
    written = notifications.notify(
        [salesperson, other_salesperson, salesperson],  # repeated: notified once
        kind="partners.assigned",
        title="You own Kowalski now",
        body="Anna gave you the customer.",
        link="/partners/1/",
        company=company,
        actor=manager,
    )
    assert {n.recipient for n in written} == {salesperson, other_salesperson}
    assert all(n.company == company and n.actor == manager and n.read_at is None for n in written)
    email = OutgoingEmail.objects.get()  # other_salesperson has no address
    assert email.to == ["sam@example.com"] and email.subject == "You own Kowalski now"
    assert (
        "Anna gave you the customer." in email.text
        and "http://" in email.text
        and "/partners/1/" in email.text
    )


def test_email_switched_off_means_no_outgoing_email(company: Company, salesperson: User) -> None:
    salesperson.email = "sam@example.com"
    salesperson.save()
    notifications.set_preference(salesperson, "partners.assigned", in_app=True, email=False)
    assert len(_notify(salesperson)) == 1
    assert not OutgoingEmail.objects.exists()


def test_the_all_kinds_preference_applies_unless_a_kind_has_its_own(
    company: Company, salesperson: User
) -> None:
    salesperson.email = "sam@example.com"
    salesperson.save()
    notifications.set_preference(salesperson, "*", in_app=False, email=False)
    notifications.set_preference(salesperson, "jobs.finished", in_app=True, email=False)
    assert _notify(salesperson) == []
    assert len(_notify(salesperson, kind="jobs.finished")) == 1
    assert not OutgoingEmail.objects.exists()


def test_inactive_users_are_not_notified(company: Company, salesperson: User) -> None:
    salesperson.is_active = False
    salesperson.save()
    assert _notify(salesperson) == []


def test_a_notification_needs_a_title(company: Company, salesperson: User) -> None:
    with pytest.raises(ValidationFailed):
        _notify(salesperson, title="  ")
    assert not Notification.objects.exists()


def test_the_bell_shows_the_unread_count_on_every_page(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    _notify(salesperson)
    _notify(salesperson, title="Second")
    _notify(other_salesperson)
    page = signed_in(salesperson).get(reverse("home")).content.decode()
    assert 'id="notification-bell"' in page and 'data-unread="2"' in page
    assert 'hx-trigger="every 30s' in page

    bell = signed_in(salesperson).get(reverse("notifications:bell"))
    assert bell.status_code == 200 and 'data-unread="2"' in bell.content.decode()


def test_no_badge_without_unread_notifications(company: Company, salesperson: User) -> None:
    page = signed_in(salesperson).get(reverse("home")).content.decode()
    assert 'id="notification-bell"' in page and "data-unread" not in page


def test_the_list_shows_only_ones_own_notifications(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    _notify(salesperson, title="For Sam")
    _notify(other_salesperson, title="For Sofia")
    page = signed_in(salesperson).get(reverse("notifications:inbox")).content.decode()
    assert "For Sam" in page and "For Sofia" not in page


def test_mark_one_as_read(company: Company, salesperson: User) -> None:
    [notification] = _notify(salesperson)
    client = signed_in(salesperson)
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert notifications.unread_count(salesperson) == 0


def test_mark_as_read_with_htmx_returns_the_row_and_refreshes_the_bell(
    company: Company, salesperson: User
) -> None:
    [notification] = _notify(salesperson)
    response = signed_in(salesperson).post(
        reverse("notifications:read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    assert f'id="notification-{notification.pk}"' in response.content.decode()


def test_opening_marks_read_and_follows_the_link(company: Company, salesperson: User) -> None:
    [notification] = _notify(salesperson, link="/partners/7/")
    response = signed_in(salesperson).post(
        reverse("notifications:read", args=[notification.pk]), {"open": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/partners/7/"


def test_an_outside_link_is_not_followed(company: Company, salesperson: User) -> None:
    [notification] = _notify(salesperson, link="https://evil.example/phish")
    response = signed_in(salesperson).post(
        reverse("notifications:read", args=[notification.pk]), {"open": "1"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_someone_elses_notification_is_a_404_and_stays_unread(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    make_user: Callable[..., User],
    other_company: Company,
) -> None:
    [notification] = _notify(salesperson)
    stranger = make_user("stranger", "salesperson", company=other_company)
    for user in (other_salesperson, stranger):
        response = signed_in(user).post(reverse("notifications:read", args=[notification.pk]))
        assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_touches_only_ones_own(
    company: Company, salesperson: User, other_salesperson: User
) -> None:
    _notify(salesperson)
    _notify(salesperson)
    _notify(other_salesperson)
    response = signed_in(salesperson).post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert notifications.unread_count(salesperson) == 0
    assert notifications.unread_count(other_salesperson) == 1


def test_reading_needs_a_post(company: Company, salesperson: User) -> None:
    [notification] = _notify(salesperson)
    client = signed_in(salesperson)
    assert client.get(reverse("notifications:read", args=[notification.pk])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405


@pytest.mark.parametrize("name", ["notifications:inbox", "notifications:bell", "notifications:preferences"])
def test_anonymous_people_are_sent_to_sign_in(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_preferences_page_saves_choices(company: Company, salesperson: User) -> None:
    _notify(salesperson)  # the kind appears on the page once received
    client = signed_in(salesperson)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "All notifications" in page and "partners.assigned" in page
    kinds = re.findall(r'name="(k\d+)-in_app"', page)  # "*" first, then every kind known
    response = client.post(reverse("notifications:preferences"), {f"{kind}-in_app": "on" for kind in kinds})
    assert response.status_code == 302
    rows = {p.kind: (p.in_app, p.email) for p in NotificationPreference.objects.filter(user=salesperson)}
    assert rows["*"] == (True, False)
    assert notifications.preferences(salesperson, ["partners.assigned"])["partners.assigned"] == (True, False)
