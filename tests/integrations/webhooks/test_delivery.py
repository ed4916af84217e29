"""Webhook delivery: signed per Standard Webhooks, retried, nothing lost, disabled after failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from tandem.core import events
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.notifications.models import Notification
from tandem.integrations.webhooks import services
from tandem.integrations.webhooks.models import (
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
)

from .conftest import Receiver

pytestmark = pytest.mark.django_db


def _make_due() -> None:
    WebhookDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())


def test_the_signature_matches_the_specifications_test_vector():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = services.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_new_secret_is_base64_with_the_whsec_prefix():
    secret = services.generate_secret()
    assert secret.startswith("whsec_")
    assert len(services.secret_key(secret)) == 24


def test_an_event_reaches_the_receiver_signed(receiver, subscribe, make_partner):
    subscription = subscribe(receiver.url, receiver, events=["partner.*"])
    partner = make_partner("Acme Ltd")
    assert services.dispatch() == 1
    assert services.deliver_due() == 1
    [message] = receiver.received
    assert message.signature_ok
    assert message.headers["content-type"] == "application/json"
    assert message.headers["webhook-id"].startswith("msg_")
    assert message.payload["type"] == "partner.created"
    data = message.payload["data"]
    assert data["subject"] == {"type": "partners.partner", "id": str(partner.pk), "name": "Acme Ltd"}
    assert data["company"] == subscription.company.code
    assert services.verify(receiver.secret, message.headers, message.body)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.status_code, delivery.attempt) == ("delivered", 200, 1)
    assert delivery.duration_ms is not None
    assert delivery.delivered_at is not None
    assert '"ok": true' in delivery.response_excerpt
    attempt = WebhookAttempt.objects.get()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")


def test_only_subscribed_event_names_are_delivered(
    receiver, subscribe, make_partner, company, admin, declare_events
):
    declare_events(
        events.EventType("company.settings_changed", "Settings changed", {"name": ""}, webhook=True)
    )
    subscribe(receiver.url, receiver, events=["partner.updated", "company.*"])
    make_partner("Acme")  # partner.created: not wanted
    events.record("company.settings_changed", company, admin, {"name": "x"}, company=company)
    services.run_outbox()
    assert [m.payload["type"] for m in receiver.received] == ["company.settings_changed"]


def test_events_of_another_company_are_never_delivered(
    receiver, subscribe, company, other_company, make_user, admin, declare_events
):
    declare_events(
        events.EventType("company.settings_changed", "Settings changed", {"secret": ""}, webhook=True)
    )
    subscribe(receiver.url, receiver)
    stranger = make_user("otto", "administrator", company=other_company)
    events.record(
        "company.settings_changed", other_company, stranger, {"secret": "theirs"}, company=other_company
    )
    events.record("company.settings_changed", company, admin, {"secret": "ours"}, company=company)
    services.run_outbox()
    assert receiver.received  # its own company's events do arrive
    assert all(m.payload["data"]["company"] == "tandem" for m in receiver.received)
    assert "theirs" not in str([m.body for m in receiver.received])
    assert not WebhookDelivery.objects.filter(event__company=other_company).exists()


def test_events_from_before_the_subscription_are_not_sent(receiver, subscribe, make_partner):
    make_partner("Before")
    subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner("After")
    services.run_outbox()
    assert [m.payload["data"]["subject"]["name"] for m in receiver.received] == ["After"]


def test_dispatching_again_creates_no_duplicates(receiver, subscribe, make_partner):
    subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner()
    assert services.dispatch() == 1
    WebhookCursor.objects.update(last_event_id=0)  # as after a crash before the mark was saved
    assert services.dispatch() == 0
    assert WebhookDelivery.objects.count() == 1


def test_the_mark_trails_the_newest_events(receiver, subscribe, make_partner):
    subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner()
    services.dispatch()
    assert WebhookCursor.objects.get().last_event_id == 0  # too new to be surely committed
    latest = events.Event.objects.latest("id")
    events.Event.objects.update(created_at=timezone.now() - services.GRACE - timedelta(seconds=1))
    services.dispatch()
    assert WebhookCursor.objects.get().last_event_id == latest.pk


def test_a_receiver_that_is_down_loses_nothing(free_port, subscribe, make_partner):
    down = Receiver()
    url = f"http://127.0.0.1:{free_port}/hooks"
    subscribe(url, down, events=["partner.created"])
    for name in ("One", "Two", "Three"):
        make_partner(name)
    services.dispatch()
    before = timezone.now()
    assert services.deliver_due() == 3
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert all(d.state == "pending" and d.attempt == 1 and d.error for d in deliveries)
    assert all(d.status_code is None for d in deliveries)
    # Retried after ~30 s (jittered), not at once.
    assert all(
        before + timedelta(seconds=20) <= d.next_attempt_at <= timezone.now() + timedelta(seconds=40)
        for d in deliveries
    )
    assert services.deliver_due() == 0

    _make_due()
    services.deliver_due()
    assert {d.attempt for d in WebhookDelivery.objects.all()} == {2}
    second = WebhookDelivery.objects.first()
    assert second is not None and second.next_attempt_at is not None
    assert second.next_attempt_at >= timezone.now() + timedelta(seconds=90)  # ~2 min the second time

    down.start(port=free_port)  # the receiver comes back
    try:
        _make_due()
        services.deliver_due()
    finally:
        down.stop()
    assert sorted(m.payload["data"]["subject"]["name"] for m in down.received) == ["One", "Three", "Two"]
    assert all(m.signature_ok for m in down.received)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    ids = {m.headers["webhook-id"] for m in down.received}
    assert ids == set(WebhookDelivery.objects.values_list("message_id", flat=True))  # same id on every retry
    assert WebhookAttempt.objects.count() == 9
    assert WebhookSubscription.objects.get().failure_count == 0


def test_a_delivery_is_given_up_after_the_last_retry(receiver, subscribe, make_partner, settings):
    settings.TANDEM_WEBHOOK_DISABLE_AFTER = 100
    receiver.status = 500
    subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner()
    services.dispatch()
    for _attempt in range(len(services.RETRY_DELAYS) + 1):
        _make_due()
        services.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempt, delivery.status_code) == ("failed", 8, 500)
    assert "500" in delivery.error
    _make_due()
    assert services.deliver_due() == 0


def test_repeated_failure_disables_the_webhook_and_tells_the_administrators(
    receiver, subscribe, make_partner, settings, admin, salesperson
):
    settings.TANDEM_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 503
    subscription = subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner("Kept")
    services.dispatch()
    for _attempt in range(3):
        _make_due()
        services.deliver_due()
    subscription.refresh_from_db()
    assert subscription.disabled_at is not None
    assert subscription.disabled_reason_text == "3 deliveries in a row failed."
    notice = Notification.objects.get(recipient=admin, kind="webhooks.disabled")
    assert receiver.url in notice.title
    assert notice.link == subscription.get_absolute_url()
    assert not Notification.objects.filter(recipient=salesperson).exists()
    # Disabled: nothing is attempted, but events keep queueing.
    make_partner("Waiting")
    services.dispatch()
    _make_due()
    assert services.deliver_due() == 0
    assert len(receiver.received) == 3
    # Fixed and re-enabled: everything waiting arrives.
    receiver.status = 200
    services.reenable(subscription, admin)
    services.deliver_due()
    delivered = [m.payload["data"]["subject"]["name"] for m in receiver.received if m.payload]
    assert sorted(set(delivered)) == ["Kept", "Waiting"]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    with pytest.raises(Conflict):
        services.reenable(subscription, admin)


def test_410_gone_disables_at_once(receiver, subscribe, make_partner, client, admin):
    receiver.status = 410
    subscription = subscribe(receiver.url, receiver, events=["partner.created"])
    make_partner()
    with translation.override("ru"):  # the worker that disabled it ran in Russian
        services.run_outbox()
    subscription.refresh_from_db()
    assert subscription.disabled_at is not None
    with translation.override("pl"):  # a Polish administrator reads why (issue 21)
        reason = subscription.disabled_reason_text
        expected = gettext("The receiver answered 410 Gone: it no longer wants these events.")
    assert "410" in reason and reason == expected and expected != subscription.disabled_reason
    client.force_login(admin)
    page = client.get(subscription.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert expected in page


def test_the_test_event_is_sent_after_commit(
    receiver, subscribe, admin, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    subscription = subscribe(receiver.url, receiver, events=["partner.created"])
    with django_capture_on_commit_callbacks(execute=True):
        services.send_test_event(subscription, admin)
    [message] = receiver.received
    assert message.signature_ok
    assert message.payload["type"] == "webhook.test"
    assert WebhookDelivery.objects.get().state == "delivered"


def test_a_commit_nudges_the_worker_to_deliver_at_once(
    receiver, subscribe, make_partner, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    subscribe(receiver.url, receiver, events=["partner.created"])
    with django_capture_on_commit_callbacks(execute=True):
        make_partner("Prompt")
    assert [m.payload["data"]["subject"]["name"] for m in receiver.received] == ["Prompt"]


@pytest.mark.parametrize(
    ("url", "names", "field"),
    [
        ("ftp://example.org/x", ["*"], "url"),
        ("not a url", ["*"], "url"),
        ("https://example.org/hook", [], "events"),
        ("https://example.org/hook", ["Partner Created!"], "events"),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_written(company, admin, url, names, field):
    with pytest.raises(ValidationFailed) as refused:
        services.create_subscription(company, admin, url=url, events_=names)
    assert field in refused.value.errors
    assert not WebhookSubscription.objects.exists()


def test_the_secret_is_never_in_the_event_log(company, admin):
    subscription, secret = services.create_subscription(
        company, admin, url="https://example.org/h", events_=["*"]
    )
    services.rotate_secret(subscription, admin)
    logged: list[Any] = list(events.Event.objects.values_list("data", flat=True))
    assert secret not in str(logged)
    assert subscription.secret not in str(logged)


def test_events_webhooks_do_not_publish_are_never_delivered(receiver, subscribe, company, admin, make_user):
    subscribe(receiver.url, receiver, events=["*"])
    make_user("newcomer", "salesperson")  # user.company_granted: about access, not published
    services.run_outbox()
    names = {m.payload["type"] for m in receiver.received}
    assert "user.company_granted" not in names
    assert not WebhookDelivery.objects.filter(event_type__startswith="user.").exists()


def test_a_subscription_to_an_event_webhooks_do_not_publish_is_refused(company, admin):
    with pytest.raises(ValidationFailed, match="do not publish"):
        services.create_subscription(company, admin, url="https://example.org/h", events_=["user.invited"])
    with pytest.raises(ValidationFailed, match="do not publish"):
        services.create_subscription(company, admin, url="https://example.org/h", events_=["role.*"])
