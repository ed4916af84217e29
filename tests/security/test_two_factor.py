"""Two-factor sign-in (TOTP): enrolment, the second sign-in step, and the company requirement."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.administration import services
from tandem.core.models import Company, Event, User


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": "secret-pass-123"})
    assert response.status_code == 302
    return client


def test_enrolment_shows_a_qr_code_inline_and_needs_a_code(
    login: Callable[[User], Client], manager: User, company: Company
) -> None:
    client = login(manager)
    page = client.get(reverse("administration:two_factor_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<path" in html  # drawn inline: no image service sees the secret
    assert "<img" not in html.split('id="main"')[1]
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    wrong = client.post(
        reverse("administration:two_factor_setup"),
        {"code": "000000" if _code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
    confirmed = client.post(reverse("administration:two_factor_setup"), {"code": _code(device)})
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert Event.objects.filter(name="user.two_factor_enabled", actor=manager).exists()
    # This session proved the code: it goes on working.
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_asks_for_the_code_as_a_second_step(manager: User, company: Company) -> None:
    device = services.start_totp(manager)
    services.confirm_totp(device, manager, company, code=_code(device))
    client = _sign_in("anna")
    home = client.get(reverse("partners:list"))
    assert home.status_code == 302
    verify_url = reverse("administration:two_factor_verify")
    assert home["Location"].startswith(verify_url)
    # Nothing but the code page (and signing out) until the code is given; the API too.
    assert client.get(reverse("administration:account"))["Location"].startswith(verify_url)
    assert client.get("/api/v1/partners/partners/").status_code == 403
    page = client.get(home["Location"])
    assert page.status_code == 200 and "authenticator app" in page.content.decode()
    wrong = client.post(verify_url, {"code": "12345x", "next": reverse("partners:list")})
    assert wrong.status_code == 400
    right = client.post(verify_url, {"code": _code(device, steps_ahead=1), "next": reverse("partners:list")})
    assert right.status_code == 302 and right["Location"] == reverse("partners:list")
    assert client.get(reverse("partners:list")).status_code == 200
    assert client.get("/api/v1/partners/partners/").status_code == 200


def test_the_code_page_does_not_redirect_elsewhere(manager: User, company: Company) -> None:
    device = services.start_totp(manager)
    services.confirm_totp(device, manager, company, code=_code(device))
    client = _sign_in("anna")
    response = client.post(
        reverse("administration:two_factor_verify"),
        {"code": _code(device, 1), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_turning_it_off_needs_a_current_code(
    login: Callable[[User], Client], manager: User, company: Company
) -> None:
    device = services.start_totp(manager)
    services.confirm_totp(device, manager, company, code=_code(device))
    client = _sign_in("anna")
    client.post(reverse("administration:two_factor_verify"), {"code": _code(device, 1)})
    client.post(reverse("administration:two_factor_disable"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=manager).exists()
    client.post(reverse("administration:two_factor_disable"), {"code": _code(device, 2)})
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert Event.objects.filter(name="user.two_factor_disabled").exists()


def test_administrators_of_a_company_that_requires_it_must_set_it_up_first(
    boss: User, salesperson: User, strict_company: Company
) -> None:
    client = _sign_in("boss")
    setup_url = reverse("administration:two_factor_setup")
    for url in [reverse("home"), reverse("partners:list"), reverse("administration:users")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(setup_url), url
    page = client.get(setup_url)
    assert page.status_code == 200 and "requires administrators" in page.content.decode()
    device = TOTPDevice.objects.get(user=boss, confirmed=False)
    client.post(setup_url, {"code": _code(device)})
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("administration:users")).status_code == 200
    # ... and cannot turn it off while the company requires it.
    client.post(reverse("administration:two_factor_disable"), {"code": _code(device, 1)})
    assert TOTPDevice.objects.filter(user=boss, confirmed=True).exists()
    # Others in that company are not forced.
    assert _sign_in("sam").get(reverse("home")).status_code == 200


def test_an_administrator_can_reset_a_lost_authenticator(
    login: Callable[[User], Client], boss: User, manager: User, company: Company
) -> None:
    device = services.start_totp(manager)
    services.confirm_totp(device, manager, company, code=_code(device))
    login(boss).post(reverse("administration:user_reset_two_factor", args=[manager.pk]), {"confirmed": "1"})
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert Event.objects.filter(name="user.two_factor_reset", actor=boss).exists()
    assert _sign_in("anna").get(reverse("home")).status_code == 200


def test_an_idle_session_ends(manager: User, settings: Any) -> None:
    settings.TANDEM_SESSION_IDLE = 600
    client = _sign_in("anna")
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["tandem.seen"] = time.time() - 601
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
