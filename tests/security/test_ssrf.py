"""Server-side request forgery: webhooks never reach into the server's own network.

Addresses are refused when the URL is saved and again, after a fresh lookup, when each
message is sent; the connection goes to the address that was checked; what the receiver
answered is kept short and shown to superusers only.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.core.errors import ValidationFailed
from tandem.integrations.webhooks import egress, services
from tandem.integrations.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.integrations.webhooks.conftest import Receiver

pytestmark = pytest.mark.django_db

INSIDE = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://localhost:8000/hook",
    "http://api.localhost/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/hook",
    "http://172.16.5.4/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0:8000/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://192.0.2.10/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[ff02::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://[2002:7f00:1::]/hook",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "2606:4700::1111"]


@pytest.fixture
def nothing_allowed(settings: Any) -> None:
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = []


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, list[str]], list[str]]:
    """Answer lookups of one made-up name: the n-th lookup gets the n-th answer (the last one
    after that); an answer with commas holds several addresses."""
    real = socket.getaddrinfo

    def install(name: str, answers: list[str]) -> list[str]:
        asked: list[str] = []

        def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != name:
                return real(host, port, *args, **kwargs)
            answer = answers[min(len(asked), len(answers) - 1)]
            asked.append(answer)
            return [
                (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (address, port))
                for address in answer.split(",")
            ]  # fmt: skip

        monkeypatch.setattr(socket, "getaddrinfo", lookup)
        return asked

    return install


def _deliver_all() -> None:
    services.dispatch()
    WebhookDelivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
    services.deliver_due()


@pytest.mark.parametrize("url", INSIDE)
def test_an_inside_address_is_refused_when_saved(url, company, boss, nothing_allowed):
    with pytest.raises(ValidationFailed) as refused:
        services.create_subscription(company, boss, url=url, events_=["partner.updated"])
    assert "url" in refused.value.errors
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass_the_check(address):
    egress.check_address(egress.ipaddress.ip_address(address), [])


def test_the_web_form_refuses_the_metadata_service(client, boss, nothing_allowed):
    client.force_login(boss)
    page = client.post(
        reverse("webhooks:create"), {"url": "http://169.254.169.254/latest/meta-data/", "events": "*"}
    )
    assert page.status_code == 200
    assert "public" in page.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_name_that_later_points_inside_is_refused_at_delivery(
    company, boss, receiver, dns, nothing_allowed, make_partner
):
    """DNS rebinding: public when saved, loopback when sent. Nothing reaches the inside."""
    name = "hooks.rebind.test"
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    asked = dns(name, ["93.184.216.34", "127.0.0.1"])
    services.create_subscription(company, boss, url=f"http://{name}:{port}/hooks", events_=["partner.*"])
    make_partner("Acme")
    _deliver_all()
    assert asked[0] == "93.184.216.34"
    assert asked[1:] and set(asked[1:]) == {"127.0.0.1"}  # looked up again for every message
    assert receiver.received == []
    for delivery in WebhookDelivery.objects.all():
        assert (delivery.state, delivery.status_code) == ("pending", None)
        assert "127.0.0.1" in delivery.error


def test_a_url_saved_before_the_check_is_refused_at_delivery(company, boss, receiver, nothing_allowed):
    subscription, _secret = services.create_subscription(
        company, boss, url="https://hooks.example.org/in", events_=["partner.updated"]
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).update(url=receiver.url)
    subscription.refresh_from_db()
    services.send_test_event(subscription, boss)
    _deliver_all()
    assert receiver.received == []
    assert "127.0.0.1" in WebhookAttempt.objects.get().error


def test_a_name_with_one_inside_answer_among_public_ones_is_refused(dns, nothing_allowed):
    dns("mixed.example.test", ["93.184.216.34,10.1.2.3"])
    with pytest.raises(egress.EgressRefused):
        egress.resolve("mixed.example.test", 443)


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    company, boss, receiver, dns, settings
):
    """One lookup per message; the socket is opened to its answer; Host keeps the name."""
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    name = "hooks.pinned.test"
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    asked = dns(name, ["127.0.0.1", "127.0.0.2"])  # a second lookup would get a refused answer
    subscription, receiver.secret = services.create_subscription(
        company, boss, url=f"http://{name}:{port}/hooks?x=1", events_=["partner.updated"]
    )
    asked.clear()
    services.send_test_event(subscription, boss)
    _deliver_all()
    assert asked == ["127.0.0.1"]
    [message] = receiver.received
    assert message.headers["host"] == f"{name}:{port}"
    assert message.signature_ok
    assert WebhookDelivery.objects.get().state == "delivered"


def test_the_operator_allow_list_opens_only_the_listed_network(company, boss, receiver, settings):
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/30"]
    services.create_subscription(company, boss, url=receiver.url, events_=["partner.updated"])
    with pytest.raises(ValidationFailed):
        services.create_subscription(company, boss, url="http://127.0.0.9/hook", events_=["partner.updated"])
    with pytest.raises(ValidationFailed):
        services.create_subscription(
            company, boss, url="http://169.254.169.254/", events_=["partner.updated"]
        )


def test_redirects_are_not_followed(company, boss, settings):
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    target = Receiver().start()
    mover = _redirecting_receiver(target.url)
    try:
        subscription, _secret = services.create_subscription(
            company, boss, url=mover.url, events_=["partner.updated"]
        )
        services.send_test_event(subscription, boss)
        _deliver_all()
    finally:
        mover.stop()
        target.stop()
    assert target.received == []
    assert WebhookAttempt.objects.get().status_code == 302


def _redirecting_receiver(location: str) -> Receiver:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    receiver = Receiver()
    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def test_only_a_short_answer_is_kept(company, boss, settings):
    settings.TANDEM_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    talker = Receiver().start()
    talker.status = 500  # answers "receiver trouble"
    try:
        subscription, _secret = services.create_subscription(
            company, boss, url=talker.url, events_=["partner.updated"]
        )
        services.send_test_event(subscription, boss)
        _deliver_all()
    finally:
        talker.stop()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 500
    assert len(attempt.response_excerpt) <= services.RESPONSE_EXCERPT <= 200
    assert attempt.duration_ms >= 0


def test_the_answer_is_shown_to_superusers_only(client, company, boss, admin):
    subscription, _secret = services.create_subscription(
        company, admin, url="https://hooks.example.org/in", events_=["partner.updated"]
    )
    delivery = services.send_test_event(subscription, admin)
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, at=timezone.now(), status_code=200, duration_ms=5,
        response_excerpt="instance-id: i-0123456789abcdef",
    )  # fmt: skip
    url = reverse("webhooks:delivery", args=[delivery.pk])
    client.force_login(boss)
    page = client.get(url)
    assert page.status_code == 200
    assert "i-0123456789abcdef" not in page.content.decode()
    client.force_login(admin)
    assert "i-0123456789abcdef" in client.get(url).content.decode()
