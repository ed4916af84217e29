"""Sign-in throttling: a user name is locked at one address after N failures; an administrator unlocks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tandem.core.models import Event, User

ADDRESS = "203.0.113.7"


def _sign_in(password: str, address: str = ADDRESS) -> Any:
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": "anna", "password": password})


def test_five_failures_lock_the_user_name_at_that_address_until_an_administrator_unlocks(
    manager: User, boss: User, login: Callable[[User], Client], settings: Any
) -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = _sign_in("wrong")
        assert response.status_code == 200  # the form again, with its error
    locked = _sign_in("wrong")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page and "15 minutes" in page
    # Even the right password is refused while locked.
    assert _sign_in("secret-pass-123").status_code == 429
    # The same user name from another address is not locked.
    assert _sign_in("secret-pass-123", "198.51.100.9").status_code == 302

    client = login(boss)
    security = client.get(reverse("administration:security")).content.decode()
    assert "anna" in security and "Locked" in security
    attempt = AccessAttempt.objects.get(username="anna", ip_address=ADDRESS)
    response = client.post(reverse("administration:unlock", args=[attempt.pk]), follow=True)
    assert "anna may sign in again" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="anna", ip_address=ADDRESS).exists()
    assert _sign_in("secret-pass-123").status_code == 302
    event = Event.objects.get(name="security.unlocked")
    assert event.actor == boss and event.data["username"] == "anna"


def test_other_companies_administrators_cannot_unlock(
    manager: User, make_user: Callable[..., User], other_company: Any, login: Callable[[User], Client]
) -> None:
    from tandem.core import roles

    outsider = make_user("outsider", roles.ADMINISTRATOR, company=other_company)
    for _attempt in range(5):
        _sign_in("wrong")
    attempt = AccessAttempt.objects.get(username="anna")
    client = login(outsider)
    assert "anna" not in client.get(reverse("administration:security")).content.decode()
    assert client.post(reverse("administration:unlock", args=[attempt.pk])).status_code == 404
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_successful_sign_in_forgets_earlier_failures(manager: User) -> None:
    for _attempt in range(4):
        _sign_in("wrong")
    assert _sign_in("secret-pass-123").status_code == 302
    for _attempt in range(4):
        assert _sign_in("wrong").status_code == 200
