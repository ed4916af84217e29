"""Roles: built-in roles follow Tandem's declared grants; custom roles hold the matrix's choices."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tandem.core import roles
from tandem.core.models import Event, User


def _perm(label: str) -> Permission:
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_a_custom_role_from_the_matrix_takes_effect_and_survives_role_sync(
    login: Callable[[User], Client], boss: User, make_user: Callable[..., User]
) -> None:
    client = login(boss)
    salesperson = Group.objects.get(name=roles.SALESPERSON)
    created = client.post(
        reverse("administration:role_create"), {"name": "Shop staff", "copy_from": salesperson.pk}
    )
    assert created.status_code == 302
    role = Group.objects.get(name="Shop staff")
    assert set(role.permissions.all()) == set(salesperson.permissions.all())

    clerk = make_user("clerk")
    clerk.groups.add(role)
    clerk = User.objects.get(pk=clerk.pk)
    assert not clerk.has_perm("catalog.add_product")

    matrix = client.get(reverse("administration:role_detail", args=[role.pk]))
    assert matrix.status_code == 200
    assert f'value="{_perm("catalog.add_product").pk}"' in matrix.content.decode()
    wanted = [p.pk for p in role.permissions.all()] + [_perm("catalog.add_product").pk]
    wanted.remove(_perm("partners.view_partner").pk)
    saved = client.post(reverse("administration:role_detail", args=[role.pk]), {"permissions": wanted})
    assert saved.status_code == 302

    clerk = User.objects.get(pk=clerk.pk)  # a fresh permission cache, as on the next request
    assert clerk.has_perm("catalog.add_product")
    assert not clerk.has_perm("partners.view_partner")
    assert login(clerk).get(reverse("partners:list")).status_code == 403

    event = Event.objects.get(name="role.permissions_changed")
    assert event.data["added"] == ["catalog.add_product"]
    assert event.data["removed"] == ["partners.view_partner"]
    assert event.actor == boss

    roles.sync_roles()  # what every `migrate` runs
    assert _perm("catalog.add_product") in role.permissions.all()
    assert _perm("partners.view_partner") not in role.permissions.all()


def test_the_matrix_keeps_the_internal_permissions_a_copied_role_holds(
    login: Callable[[User], Client], boss: User
) -> None:
    """An order's lines are an internal table: the matrix does not offer their permissions, so
    a saved matrix neither drops the ones the role was copied with nor may add them."""
    client = login(boss)
    salesperson = Group.objects.get(name=roles.SALESPERSON)
    client.post(reverse("administration:role_create"), {"name": "Counter staff", "copy_from": salesperson.pk})
    role = Group.objects.get(name="Counter staff")
    lines = _perm("sales.view_salesorderline")
    assert lines in role.permissions.all()
    matrix = client.get(reverse("administration:role_detail", args=[role.pk])).content.decode()
    assert f'value="{lines.pk}"' not in matrix
    shown = [p.pk for p in role.permissions.all() if p != lines]
    saved = client.post(reverse("administration:role_detail", args=[role.pk]), {"permissions": shown})
    assert saved.status_code == 302 and lines in role.permissions.all()
    counters = _perm("core.view_sequencecounter")
    smuggled = client.post(
        reverse("administration:role_detail", args=[role.pk]), {"permissions": [*shown, counters.pk]}
    )
    assert smuggled.status_code == 400 and counters not in role.permissions.all()


def test_built_in_roles_are_read_only_in_the_matrix(login: Callable[[User], Client], boss: User) -> None:
    salesperson = Group.objects.get(name=roles.SALESPERSON)
    before = set(salesperson.permissions.values_list("pk", flat=True))
    client = login(boss)
    page = client.get(reverse("administration:role_detail", args=[salesperson.pk])).content.decode()
    assert "Copy as a custom role" in page and " disabled" in page
    refused = client.post(
        reverse("administration:role_detail", args=[salesperson.pk]),
        {"permissions": [_perm("catalog.delete_product").pk]},
    )
    assert refused.status_code == 400
    assert "built-in role" in refused.content.decode()
    assert set(salesperson.permissions.values_list("pk", flat=True)) == before
    assert not Event.objects.filter(name="role.permissions_changed").exists()


def test_a_matrix_cannot_grant_permissions_outside_tandem(
    login: Callable[[User], Client], boss: User
) -> None:
    role = Group.objects.create(name="Custom")
    foreign = Permission.objects.get(content_type__app_label="auth", codename="change_group")
    response = login(boss).post(
        reverse("administration:role_detail", args=[role.pk]), {"permissions": [foreign.pk]}
    )
    assert response.status_code == 400
    assert not role.permissions.exists()


def test_role_names_must_be_new_and_a_role_in_use_is_not_deleted(
    login: Callable[[User], Client], boss: User, make_user: Callable[..., User]
) -> None:
    client = login(boss)
    clash = client.post(reverse("administration:role_create"), {"name": "Salesperson"})
    assert clash.status_code == 200 and "exists already" in clash.content.decode()
    client.post(reverse("administration:role_create"), {"name": "Temp"})
    role = Group.objects.get(name="Temp")
    user = make_user("temp")
    user.groups.add(role)
    delete = reverse("administration:role_delete", args=[role.pk])
    assert "Delete this role?" in client.post(delete).content.decode()  # asks first
    kept = client.post(delete, {"confirmed": "1"}, follow=True)
    assert "take it from them first" in kept.content.decode()
    user.groups.remove(role)
    client.post(delete, {"confirmed": "1"})
    assert not Group.objects.filter(name="Temp").exists()
    assert Event.objects.filter(name="role.deleted").exists()
    builtin = Group.objects.get(name=roles.SALESPERSON)
    client.post(reverse("administration:role_delete", args=[builtin.pk]), {"confirmed": "1"})
    assert Group.objects.filter(pk=builtin.pk).exists()


def test_an_administrator_cannot_take_the_role_from_themselves(
    login: Callable[[User], Client], boss: User, company: object
) -> None:
    response = login(boss).post(
        reverse("administration:user_edit", args=[boss.pk]),
        {"first_name": "", "last_name": "", "email": "boss@tandem.example", "companies": [company.pk]},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200
    assert "cannot take the administrator role from yourself" in response.content.decode()
    assert boss.groups.filter(name=roles.ADMINISTRATOR).exists()
