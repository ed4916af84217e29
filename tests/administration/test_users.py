"""Users: invite by e-mail, set the password from the link, edit, deactivate, tokens."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tandem.core import roles
from tandem.core.models import ApiToken, Company, Event, User
from tandem.core.notifications.models import OutgoingEmail


def _link(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/settings/password/\S+/)", text)
    assert match, text
    return match.group(1)


def test_inviting_a_user_sends_a_link_to_choose_a_password(
    login: Callable[[User], Client],
    boss: User,
    company: Company,
    smtp_server: Any,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    salesperson_role = Group.objects.get(name=roles.SALESPERSON)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(boss).post(
            reverse("administration:user_invite"),
            {"email": "Nina@Example.com", "first_name": "Nina", "roles": [salesperson_role.pk]},
        )
    assert response.status_code == 302
    nina = User.objects.get(username="Nina@example.com")
    assert nina.email == "Nina@example.com"
    assert not nina.has_usable_password()
    assert list(nina.companies.all()) == [company] and nina.active_company == company
    assert list(nina.groups.all()) == [salesperson_role]
    email = OutgoingEmail.objects.get(to=["Nina@example.com"])
    assert "Tandem Furniture" in email.subject
    assert [r.envelope_to for r in smtp_server.received] == [["Nina@example.com"]]
    body = smtp_server.received[0].message.get_content()
    assert "Nina@example.com" in body
    invited = Event.objects.get(name="user.invited")
    assert invited.actor == boss and invited.company == company and invited.data["roles"] == ["salesperson"]

    # The link: Django moves the token into the session and shows the form.
    visitor = Client()
    form_page = visitor.get(_link(body), follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = visitor.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"},
    )
    assert done.status_code == 302
    nina.refresh_from_db()
    assert nina.check_password("a-long-new-pass-42")
    assert Event.objects.filter(name="user.password_set", subject_id=str(nina.pk)).exists()
    # Used once: the same link no longer works.
    again = Client().get(_link(body), follow=True)
    assert not again.context["validlink"]
    signed = Client().post(reverse("login"), {"username": nina.username, "password": "a-long-new-pass-42"})
    assert signed.status_code == 302


def test_inviting_with_a_bad_or_taken_e_mail_writes_nothing(
    login: Callable[[User], Client], boss: User
) -> None:
    client = login(boss)
    bad = client.post(reverse("administration:user_invite"), {"email": "not-an-address"})
    assert bad.status_code == 200 and bad.context["form"].errors["email"]
    taken = client.post(reverse("administration:user_invite"), {"email": "BOSS@tandem.example"})
    assert taken.status_code == 200
    assert "already has the e-mail" in taken.content.decode()
    assert User.objects.count() == 1
    assert not OutgoingEmail.objects.exists()
    assert not Event.objects.filter(name="user.invited").exists()


def test_editing_roles_and_companies_is_recorded_old_to_new(
    login: Callable[[User], Client], admin: User, manager: User, company: Company, other_company: Company
) -> None:
    accountant = Group.objects.get(name=roles.ACCOUNTANT)
    response = login(admin).post(
        reverse("administration:user_edit", args=[manager.pk]),
        {
            "first_name": "Anna",
            "last_name": "Nowak",
            "email": "anna@tandem.example",
            "language": "pl",
            "roles": [accountant.pk],
            "companies": [company.pk, other_company.pk],
            "active_company": other_company.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    manager.refresh_from_db()
    assert manager.get_full_name() == "Anna Nowak" and manager.language == "pl"
    assert set(manager.companies.all()) == {company, other_company}
    assert manager.active_company == other_company
    assert list(manager.groups.values_list("name", flat=True)) == ["accountant"]
    event = Event.objects.get(name="user.updated")
    changes = event.data["changes"]
    assert changes["roles"] == [["sales_manager"], ["accountant"]]
    assert changes["companies"] == [["tandem"], ["elsewhere", "tandem"]]
    assert changes["active_company"] == ["Tandem Furniture", "Elsewhere Ltd"]
    assert changes["first_name"] == ["", "Anna"]
    assert event.actor == admin and event.company == company
    detail = login(admin).get(reverse("administration:user_detail", args=[manager.pk])).content.decode()
    assert "Nowak" in detail and "Changed" in detail


def test_deactivating_stops_sign_in_and_tokens_and_reactivating_restores_them(
    login: Callable[[User], Client], boss: User, manager: User, company: Company
) -> None:
    from tandem.administration import services

    _token, secret = services.issue_token(manager, boss, company, name="Sync")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/partners/partners/").status_code == 200
    client = login(boss)
    asked = client.post(reverse("administration:user_deactivate", args=[manager.pk]))
    assert 'name="confirmed"' in asked.content.decode()  # asks first, changes nothing
    manager.refresh_from_db()
    assert manager.is_active
    client.post(reverse("administration:user_deactivate", args=[manager.pk]), {"confirmed": "1"})
    manager.refresh_from_db()
    assert not manager.is_active
    assert api.get("/api/v1/partners/partners/").status_code == 401
    refused = Client().post(reverse("login"), {"username": "anna", "password": "secret-pass-123"})
    assert refused.status_code == 200
    client.post(reverse("administration:user_reactivate", args=[manager.pk]))
    assert api.get("/api/v1/partners/partners/").status_code == 200
    names = list(Event.objects.filter(subject_id=str(manager.pk)).values_list("name", flat=True))
    assert "user.deactivated" in names and "user.reactivated" in names
    deactivated = Event.objects.get(name="user.deactivated")
    assert deactivated.data["changes"] == {"is_active": [True, False]}


def test_reset_password_sends_a_link(
    login: Callable[[User], Client], boss: User, manager: User, company: Company
) -> None:
    manager.email = "anna@tandem.example"
    manager.save()
    response = login(boss).post(reverse("administration:user_reset_password", args=[manager.pk]), follow=True)
    assert "was sent to anna@tandem.example" in response.content.decode()
    email = OutgoingEmail.objects.get(to=["anna@tandem.example"])
    assert "/settings/password/" in email.text
    assert Event.objects.filter(name="user.password_reset_sent", actor=boss).exists()


def test_a_token_is_shown_once_stored_hashed_and_revocable(
    login: Callable[[User], Client], boss: User, manager: User
) -> None:
    client = login(boss)
    response = client.post(reverse("administration:token_create", args=[manager.pk]), {"name": "Webshop"})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("tdm_") and secret in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    token = ApiToken.objects.get(user=manager)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [token.name, token.prefix, token.key_hash]
    assert secret not in stored
    assert not Event.objects.filter(data__icontains=secret).exists()
    page = client.get(reverse("administration:user_detail", args=[manager.pk])).content.decode()
    assert token.prefix in page and secret not in page
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/partners/partners/").status_code == 200
    client.post(reverse("administration:token_revoke", args=[token.pk]), {"confirmed": "1"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/partners/partners/").status_code == 401
    names = set(Event.objects.values_list("name", flat=True))
    assert {"user.api_token_issued", "user.api_token_revoked"} <= names


def test_a_token_without_a_name_is_refused(
    login: Callable[[User], Client], boss: User, manager: User
) -> None:
    response = login(boss).post(reverse("administration:token_create", args=[manager.pk]), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_everyone_manages_their_own_tokens_on_their_account_page(
    login: Callable[[User], Client], salesperson: User, manager: User, company: Company
) -> None:
    from tandem.administration import services

    others, _secret = services.issue_token(manager, manager, company, name="Manager's")
    client = login(salesperson)
    assert client.get(reverse("administration:account")).status_code == 200
    created = client.post(reverse("administration:account_token_create"), {"name": "Mine"})
    assert created.status_code == 200
    mine = ApiToken.objects.get(user=salesperson)
    assert client.post(reverse("administration:account_token_revoke", args=[others.pk])).status_code == 404
    client.post(reverse("administration:account_token_revoke", args=[mine.pk]), {"confirmed": "1"})
    mine.refresh_from_db()
    others.refresh_from_db()
    assert mine.revoked_at is not None and others.revoked_at is None


def test_user_list_searches(
    login: Callable[[User], Client], boss: User, manager: User, salesperson: User
) -> None:
    page = login(boss).get(reverse("administration:users"), {"search": "sam"})
    names = [row.username for row, _cells in page.context["rows"]]
    assert names == ["sam"]
