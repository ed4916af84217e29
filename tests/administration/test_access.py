"""Only administrators reach the settings area, and only for the companies they are in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tandem.administration import services
from tandem.core.models import ApiToken, Company, Event, User

AREA = [
    "administration:home",
    "administration:users",
    "administration:user_invite",
    "administration:roles",
    "administration:role_create",
    "administration:companies",
    "administration:company_create",
    "administration:security",
]


@pytest.mark.parametrize("name", AREA)
def test_the_settings_area_refuses_people_without_the_administrator_role(
    login: Callable[[User], Client], manager: User, salesperson: User, name: str
) -> None:
    for user in (manager, salesperson):
        assert login(user).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", AREA)
def test_the_settings_area_opens_for_administrators(
    login: Callable[[User], Client], boss: User, admin: User, name: str
) -> None:
    for user in (boss, admin):
        assert login(user).get(reverse(name)).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(db: None) -> None:
    response = Client().get(reverse("administration:users"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_actions_refuse_non_administrators_and_change_nothing(
    login: Callable[[User], Client], manager: User, salesperson: User
) -> None:
    client = login(salesperson)
    posts = [
        reverse("administration:user_deactivate", args=[manager.pk]),
        reverse("administration:user_reset_password", args=[manager.pk]),
        reverse("administration:token_create", args=[manager.pk]),
    ]
    for url in posts:
        assert client.post(url, {"name": "x", "confirmed": "1"}).status_code == 403
    manager.refresh_from_db()
    assert manager.is_active
    assert not ApiToken.objects.exists()


def test_the_settings_link_shows_for_administrators_only(
    login: Callable[[User], Client], boss: User, manager: User
) -> None:
    settings_url = reverse("administration:home")
    assert f'href="{settings_url}"' in login(boss).get(reverse("home")).content.decode()
    assert f'href="{settings_url}"' not in login(manager).get(reverse("home")).content.decode()


def test_an_administrator_of_another_company_cannot_see_or_touch_its_users_or_tokens(
    login: Callable[[User], Client], boss: User, manager: User, other_boss: User, company: Company
) -> None:
    token, _secret = services.issue_token(manager, boss, company, name="Shop")
    client = login(other_boss)
    listing = client.get(reverse("administration:users")).content.decode()
    assert "anna" not in listing
    assert client.get(reverse("administration:user_detail", args=[manager.pk])).status_code == 404
    assert client.get(reverse("administration:user_edit", args=[manager.pk])).status_code == 404
    for name in ["user_deactivate", "user_reset_password", "token_create", "user_reset_two_factor"]:
        assert (
            client.post(
                reverse(f"administration:{name}", args=[manager.pk]), {"name": "x", "confirmed": "1"}
            ).status_code
            == 404
        )
    assert client.post(reverse("administration:token_revoke", args=[token.pk])).status_code == 404
    assert client.get(reverse("administration:company_detail", args=[company.pk])).status_code == 404
    assert client.get(reverse("administration:company_edit", args=[company.pk])).status_code == 404
    manager.refresh_from_db()
    token.refresh_from_db()
    assert manager.is_active and token.revoked_at is None
    assert ApiToken.objects.filter(user=manager).count() == 1


def test_a_company_administrator_cannot_change_a_superuser(
    login: Callable[[User], Client], boss: User, admin: User
) -> None:
    client = login(boss)
    response = client.post(
        reverse("administration:user_deactivate", args=[admin.pk]), {"confirmed": "1"}, follow=True
    )
    assert "Only a superuser may change another superuser." in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    assert not Event.objects.filter(name="user.deactivated").exists()


def test_an_administrator_cannot_deactivate_themselves(login: Callable[[User], Client], boss: User) -> None:
    response = login(boss).post(
        reverse("administration:user_deactivate", args=[boss.pk]), {"confirmed": "1"}, follow=True
    )
    assert "You cannot deactivate yourself." in response.content.decode()
    boss.refresh_from_db()
    assert boss.is_active


def test_granting_a_company_the_administrator_is_not_in_is_refused(
    boss: User, manager: User, company: Company, other_company: Company
) -> None:
    from tandem.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.update_user(
            manager, boss, company, first_name="", last_name="", email="", companies=[company, other_company]
        )
    assert list(manager.companies.all()) == [company]
