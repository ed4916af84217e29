"""The action view: one button per allowed action, permission-checked, asking first where
the action cannot be undone, the service's error shown in place, nothing written on refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from tandem.core import roles
from tandem.core.models import Event, User
from tandem.integrations.webhooks import services as webhooks
from tandem.integrations.webhooks.models import WebhookSubscription
from tandem.partners.models import Partner

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "object-actions"}


def _card(client: Client, partner: Partner) -> str:
    return client.get(reverse("partners:detail", args=[partner.pk])).content.decode()


def test_archive_asks_first_then_archives_and_the_button_goes(
    login: Callable[[User], Client], manager: User, make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Acme Trading")
    client = login(manager)
    assert 'data-action="archive"' in _card(client, partner)
    url = reverse("partners:archive", args=[partner.pk])
    asked = client.post(url)
    assert asked.status_code == 200 and "Archive this partner?" in asked.content.decode()
    partner.refresh_from_db()
    assert partner.active
    done = client.post(url, {"confirmed": "1"})
    assert done["Location"] == partner.get_absolute_url()
    partner.refresh_from_db()
    assert not partner.active
    assert Event.objects.filter(name="partner.updated", subject_id=str(partner.pk)).exists()
    assert 'data-action="archive"' not in _card(client, partner)


def test_a_role_without_the_right_sees_no_button_and_is_refused(
    login: Callable[[User], Client], make_user: Callable[..., User], make_partner: Callable[..., Partner]
) -> None:
    partner = make_partner("Acme Trading")
    client = login(make_user("wanda", roles.WAREHOUSE))  # sees every partner, changes none
    assert 'data-action="archive"' not in _card(client, partner)
    url = reverse("partners:archive", args=[partner.pk])
    assert client.post(url, {"confirmed": "1"}).status_code == 403
    partner.refresh_from_db()
    assert partner.active


def test_a_record_the_user_cannot_see_is_404(
    login: Callable[[User], Client],
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
) -> None:
    theirs = make_partner("Theirs Ltd", actor=other_salesperson)
    response = login(salesperson).post(reverse("partners:archive", args=[theirs.pk]), {"confirmed": "1"})
    assert response.status_code == 404


def test_htmx_shows_the_services_error_in_place_and_changes_nothing(
    login: Callable[[User], Client], admin: User, company: Any
) -> None:
    subscription, _secret = webhooks.create_subscription(
        company, admin, url="https://example.org/hook", events_=["partner.*"]
    )
    client = login(admin)
    response = client.post(reverse("webhooks:reenable", args=[subscription.pk]), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="object-actions"' in page and 'role="alert"' in page and "already sending" in page
    assert 'data-action="test"' in page  # the buttons stay usable
    assert not Event.objects.filter(name="webhook.reenabled").exists()


def test_htmx_success_redirects_with_hx_redirect(
    login: Callable[[User], Client], admin: User, company: Any
) -> None:
    subscription, _secret = webhooks.create_subscription(
        company, admin, url="https://example.org/hook", events_=["partner.*"]
    )
    response = login(admin).post(
        reverse("webhooks:delete", args=[subscription.pk]), {"confirmed": "1"}, **HTMX
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("webhooks:list")
    assert not WebhookSubscription.objects.exists()
