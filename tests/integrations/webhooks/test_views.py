"""Webhook pages: administrators only, their own company only; the secret is shown once."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tandem.integrations.webhooks import services
from tandem.integrations.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription(company, admin) -> WebhookSubscription:
    made, _secret = services.create_subscription(
        company, admin, url="https://example.org/hook", events_=["*"]
    )
    return made


def _as(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def _urls(subscription: WebhookSubscription, delivery: WebhookDelivery) -> dict[str, tuple[str, str]]:
    pk = subscription.pk
    return {
        "detail": ("get", reverse("webhooks:detail", args=[pk])),
        "edit": ("get", reverse("webhooks:edit", args=[pk])),
        "test": ("post", reverse("webhooks:test", args=[pk])),
        "reenable": ("post", reverse("webhooks:reenable", args=[pk])),
        "rotate": ("post", reverse("webhooks:rotate", args=[pk])),
        "delete": ("post", reverse("webhooks:delete", args=[pk])),
        "delivery": ("get", reverse("webhooks:delivery", args=[delivery.pk])),
    }


def _a_delivery(subscription: WebhookSubscription, admin: Any) -> WebhookDelivery:
    return services.send_test_event(subscription, admin)


def test_people_without_the_right_get_403(client, salesperson, subscription, admin):
    delivery = _a_delivery(subscription, admin)
    c = _as(client, salesperson)
    assert c.get(reverse("webhooks:list")).status_code == 403
    assert c.get(reverse("webhooks:create")).status_code == 403
    for method, url in _urls(subscription, delivery).values():
        assert getattr(c, method)(url).status_code == 403, url
    assert WebhookSubscription.objects.get().secret == subscription.secret


def test_administrators_of_another_company_get_404(client, make_user, other_company, subscription, admin):
    delivery = _a_delivery(subscription, admin)
    outsider = make_user("otto", "administrator", company=other_company)
    c = _as(client, outsider)
    for method, url in _urls(subscription, delivery).values():
        assert getattr(c, method)(url).status_code == 404, url
    assert WebhookSubscription.objects.filter(pk=subscription.pk).exists()
    assert "example.org" not in c.get(reverse("webhooks:list")).content.decode()


def test_anonymous_people_are_sent_to_sign_in(client, subscription):
    response = client.get(reverse("webhooks:detail", args=[subscription.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_create_shows_the_secret_once(client, admin):
    c = _as(client, admin)
    response = c.post(
        reverse("webhooks:create"),
        {
            "url": "https://hooks.example.org/in",
            "events": "partner.created, partner.updated",
            "description": "CRM",
        },
    )
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["partner.created", "partner.updated"]
    page = c.get(response["Location"]).content.decode()
    assert subscription.secret in page
    assert subscription.secret not in c.get(response["Location"]).content.decode()
    assert subscription.secret not in c.get(reverse("webhooks:list")).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://x.example.org", "events": "*"}, "Enter an http:// or https:// address"),
        ({"url": "not a url", "events": "*"}, "Enter a valid URL"),
        ({"url": "https://x.example.org", "events": ""}, "This field is required"),
        ({"url": "https://x.example.org", "events": "Bad Name!"}, "Not an event name"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(client, admin, data, message):
    response = _as(client, admin).post(reverse("webhooks:create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_edit(client, admin, subscription):
    c = _as(client, admin)
    assert (
        "https://example.org/hook" in c.get(reverse("webhooks:edit", args=[subscription.pk])).content.decode()
    )
    response = c.post(
        reverse("webhooks:edit", args=[subscription.pk]),
        {"url": "https://example.org/other", "events": "partner.*", "description": "", "active": ""},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.active) == (
        "https://example.org/other",
        ["partner.*"],
        False,
    )


def test_the_detail_page_shows_the_delivery_log(client, admin, subscription):
    delivery = _a_delivery(subscription, admin)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status_code=502, duration_ms=37, attempt=1)
    page = _as(client, admin).get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert "webhook.test" in page
    assert "502" in page
    assert "37" in page
    assert subscription.secret not in page
    page = client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert delivery.message_id in page


def test_send_test_event_and_reenable_and_rotate(client, admin, subscription):
    c = _as(client, admin)
    assert c.post(reverse("webhooks:test", args=[subscription.pk])).status_code == 302
    assert WebhookDelivery.objects.filter(event_type="webhook.test").count() == 1
    # Re-enabling a webhook that sends: a clear message, nothing changes.
    response = c.post(reverse("webhooks:reenable", args=[subscription.pk]), follow=True)
    assert "already sending" in response.content.decode()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        disabled_at="2026-01-01T00:00Z", failure_count=15
    )
    c.post(reverse("webhooks:reenable", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert (subscription.disabled_at, subscription.failure_count) == (None, 0)
    old = subscription.secret
    url = reverse("webhooks:rotate", args=[subscription.pk])
    assert "old one stops signing" in c.post(url).content.decode()  # asks first
    subscription.refresh_from_db()
    assert subscription.secret == old
    page = c.post(url, {"confirmed": "1"}, follow=True).content.decode()
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.secret in page


def test_get_on_actions_is_refused(client, admin, subscription):
    c = _as(client, admin)
    assert c.get(reverse("webhooks:test", args=[subscription.pk])).status_code == 405
    assert c.get(reverse("webhooks:delete", args=[subscription.pk])).status_code == 405


def test_delete_asks_first(client, admin, subscription):
    c = _as(client, admin)
    page = c.post(reverse("webhooks:delete", args=[subscription.pk]))
    assert page.status_code == 200 and 'name="confirmed"' in page.content.decode()
    assert WebhookSubscription.objects.exists()
    response = c.post(reverse("webhooks:delete", args=[subscription.pk]), {"confirmed": "1"})
    assert response["Location"] == reverse("webhooks:list")
    assert not WebhookSubscription.objects.exists()
