"""E-mail leaves after commit through the worker, to a real SMTP server; failures are retried."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.core.notifications import services as notifications
from tandem.core.notifications.config import email_settings
from tandem.core.notifications.models import OutgoingEmail
from tandem.core.notifications.tasks import deliver_email
from tandem.partners.models import Partner
from tests.core.notifications.conftest import Collector, free_port

pytestmark = pytest.mark.django_db


def test_an_email_is_sent_after_commit_and_logged_on_the_partner_timeline(
    smtp_server: Collector,
    eager: None,
    company: Company,
    manager: User,
    make_partner: Callable[..., Partner],
    django_capture_on_commit_callbacks: Any,
) -> None:
    partner = make_partner("Kowalski Sp. z o.o.", email="biuro@kowalski.example")
    with django_capture_on_commit_callbacks(execute=True):
        email = notifications.send_email(
            to=["Jan Kowalski <biuro@kowalski.example>"],
            subject="Your quotation",
            text="Dear Jan,\nplease find the quotation attached.",
            html="<p>Dear Jan,</p><p>please find the quotation attached.</p>",
            company=company,
            partner=partner,
            actor=manager,
            attachments=[("quotation.pdf", b"%PDF-1.7 fake", "application/pdf")],
        )
        assert smtp_server.received == []  # nothing leaves before commit

    assert len(smtp_server.received) == 1
    received = smtp_server.received[0]
    assert received.envelope_to == ["biuro@kowalski.example"]
    message = received.message
    assert message["Subject"] == "Your quotation"
    assert message["To"] == "biuro@kowalski.example"
    assert message["Message-ID"] == email.message_id
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "please find the quotation attached" in body.get_content()
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "<p>Dear Jan,</p>" in html.get_content()
    files = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert files == [("quotation.pdf", b"%PDF-1.7 fake")]

    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT
    assert email.attempts == 1 and email.sent_at is not None and email.last_error == ""
    event = Event.objects.get(name="email.sent")
    assert event.partner_id == partner.pk and event.actor == manager and event.company == company
    assert event.data["text"].startswith("Dear Jan") and event.data["subject"] == "Your quotation"
    assert event.data["attachments"] == ["quotation.pdf"]


def test_a_refused_connection_is_retried_then_failed_and_the_message_kept(
    dead_smtp_server: int, eager: None, settings: Any, company: Company, manager: User
) -> None:
    email = notifications.send_email(
        to=["someone@example.com"], subject="Hello", text="Body", company=company
    )
    result = deliver_email.apply(args=[email.pk])  # the worker's run: autoretry, eager retries
    assert result.failed()
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.FAILED
    assert email.attempts == settings.TANDEM_EMAIL_MAX_RETRIES + 1 == deliver_email.max_retries + 1
    assert "refused" in email.last_error.lower() or "Errno" in email.last_error
    assert email.text == "Body"  # nothing lost: it can be sent again
    assert Event.objects.filter(name="email.failed", subject_id=str(email.pk)).count() == 1
    assert not Event.objects.filter(name="email.sent").exists()


def test_a_failed_message_is_sent_when_requeued_after_the_server_is_back(
    smtp_server: Collector,
    eager: None,
    company: Company,
    admin: User,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(deliver_email, "max_retries", 1)
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # the server is down
    email = notifications.send_email(
        to=["someone@example.com"], subject="Hello", text="Body", company=company
    )
    deliver_email.apply(args=[email.pk])
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.FAILED and email.attempts == 2
    settings.EMAIL_PORT = working_port  # the administrator fixed it
    with django_capture_on_commit_callbacks(execute=True):
        notifications.resend(email, admin)
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT
    assert [r.message["Subject"] for r in smtp_server.received] == ["Hello"]


def test_retry_then_success_records_every_attempt(
    smtp_server: Collector, eager: None, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first attempt meets a refused connection, the second one gets through."""
    email = notifications.send_email(to=["a@example.com"], subject="Retry me", text="Body", company=company)
    real_build = notifications.build_message
    calls = {"n": 0}

    def flaky(outgoing: OutgoingEmail) -> Any:
        calls["n"] += 1
        message = real_build(outgoing)
        if calls["n"] == 1:
            message.connection = _refusing_connection()
        return message

    monkeypatch.setattr(notifications, "build_message", flaky)
    result = deliver_email.apply(args=[email.pk])
    assert result.successful()
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT and email.attempts == 2
    assert "refused" in email.last_error.lower() or email.last_error == ""
    assert [r.message["Subject"] for r in smtp_server.received] == ["Retry me"]


def _refusing_connection() -> Any:
    from django.core.mail import get_connection

    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=free_port(), timeout=2
    )


def test_sending_again_does_not_send_twice(smtp_server: Collector, eager: None, company: Company) -> None:
    email = notifications.send_email(to=["a@example.com"], subject="Once", text="Body", company=company)
    assert deliver_email.apply(args=[email.pk]).get() is True
    assert deliver_email.apply(args=[email.pk]).get() is False
    assert len(smtp_server.received) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"to": []}, "to"),
        ({"to": ["not an address"]}, "to"),
        ({"to": ["a@example.com\nBcc: evil@example.com"]}, "to"),
        ({"subject": "   "}, "subject"),
        ({"text": ""}, "text"),
        ({"subject": "x" * 300}, "subject"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_queued(
    company: Company, fields: dict[str, Any], field: str, django_capture_on_commit_callbacks: Any
) -> None:
    values: dict[str, Any] = {"to": ["a@example.com"], "subject": "Hi", "text": "Body", **fields}
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationFailed) as error:
        notifications.send_email(company=company, **values)
    assert field in error.value.errors
    assert not OutgoingEmail.objects.exists() and callbacks == []


def test_a_subject_with_a_line_break_cannot_inject_headers(company: Company) -> None:
    email = notifications.send_email(
        to=["a@example.com"], subject="Hi\r\nBcc: evil@example.com", text="Body", company=company
    )
    assert "\n" not in email.subject and "\r" not in email.subject


def test_the_embedded_default_writes_eml_files_under_the_data_directory(
    settings: Any, tmp_path: Path, eager: None, company: Company
) -> None:
    settings.EMAIL_BACKEND = "tandem.core.notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    email = notifications.send_email(
        to=["a@example.com"], subject="Filed", text="Kept on disk", company=company
    )
    deliver_email.apply(args=[email.pk])
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    content = files[0].read_text()
    assert "Subject: Filed" in content and "Kept on disk" in content


def test_without_an_smtp_url_mail_goes_to_files_under_the_data_directory(tmp_path: Path) -> None:
    assert email_settings(None, tmp_path) == {
        "EMAIL_BACKEND": "tandem.core.notifications.backends.EmlFileBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    assert email_settings("", tmp_path)["EMAIL_BACKEND"].endswith("EmlFileBackend")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://user%40corp:p%3Ass@mail.example.com:587?starttls=1",
            {"EMAIL_HOST": "mail.example.com", "EMAIL_PORT": 587, "EMAIL_HOST_USER": "user@corp",
             "EMAIL_HOST_PASSWORD": "p:ss", "EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False},
        ),
        (
            "smtps://u:p@mail.example.com",
            {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False, "EMAIL_HOST_USER": "u"},
        ),
        ("smtp://relay.internal", {"EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_HOST_USER": ""}),
        ("smtp://relay.internal:2525?timeout=5", {"EMAIL_PORT": 2525, "EMAIL_TIMEOUT": 5}),
    ],
)  # fmt: skip
def test_smtp_url_parsing(url: str, expected: dict[str, Any], tmp_path: Path) -> None:
    parsed = email_settings(url, tmp_path)
    assert parsed["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for key, value in expected.items():
        assert parsed[key] == value


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp:///nohost"])
def test_a_bad_smtp_url_is_refused_at_start_up(url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TANDEM_SMTP_URL"):
        email_settings(url, tmp_path)


def test_queued_messages_that_never_reached_a_worker_are_sent_again(
    smtp_server: Collector, eager: None, company: Company
) -> None:
    email = notifications.send_email(to=["a@example.com"], subject="Stuck", text="Body", company=company)
    OutgoingEmail.objects.filter(pk=email.pk).update(created_at=email.created_at.replace(year=2020))
    assert notifications.requeue_stale() == 1
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT
    assert notifications.requeue_stale() == 0
