"""Administrators see what went out, find what failed and send it again; nobody else does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tandem.core.models import Company, Event, User
from tandem.core.notifications import services
from tandem.core.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _email(company: Company, subject: str, state: str, **extra: Any) -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        company=company, to=["jan@kowalski.example"], subject=subject, text=f"Body of {subject}",
        state=state, **extra,
    )  # fmt: skip


@pytest.fixture
def emails(company: Company, other_company: Company) -> dict[str, OutgoingEmail]:
    return {
        "sent": _email(company, "Your quotation", OutgoingEmail.State.SENT, attempts=1),
        "failed": _email(
            company,
            "Payment reminder",
            OutgoingEmail.State.FAILED,
            attempts=6,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
        ),
        "elsewhere": _email(other_company, "Elsewhere's letter", OutgoingEmail.State.FAILED),
    }


def test_the_list_shows_the_companys_messages_and_filters_the_failed(
    client: Client, admin: User, emails: dict[str, OutgoingEmail]
) -> None:
    client.force_login(admin)
    page = client.get("/notifications/emails/").content.decode()
    assert "Your quotation" in page and "Payment reminder" in page
    assert "Elsewhere's letter" not in page
    failed = client.get("/notifications/emails/?state=failed").content.decode()
    assert "Payment reminder" in failed and "Your quotation" not in failed
    assert "<td>Failed</td>" in failed.replace("\n", "").replace("  ", "")
    found = client.get("/notifications/emails/?search=kowalski+reminder").content.decode()
    assert "Payment reminder" in found and "Your quotation" not in found


def test_the_settings_overview_points_at_failed_messages(
    client: Client, admin: User, emails: dict[str, OutgoingEmail]
) -> None:
    client.force_login(admin)
    page = client.get("/settings/").content.decode()
    assert "data-failed-emails" in page and "/notifications/emails/?state=failed" in page


def test_a_failed_message_is_shown_and_sent_again(
    client: Client, admin: User, emails: dict[str, OutgoingEmail], django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    handed_to_worker: list[int] = []
    monkeypatch.setattr(services, "enqueue", handed_to_worker.append)
    client.force_login(admin)
    failed = emails["failed"]
    page = client.get(f"/notifications/emails/{failed.pk}/").content.decode()
    assert (
        "Body of Payment reminder" in page and "Connection refused" in page and 'data-action="resend"' in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/emails/{failed.pk}/resend/")

    assert response.status_code == 302 and handed_to_worker == [failed.pk]  # after commit
    failed.refresh_from_db()
    assert failed.state == OutgoingEmail.State.QUEUED and failed.attempts == 0
    assert Event.objects.filter(name="email.requeued", actor=admin).count() == 1


def test_a_sent_message_is_not_sent_twice(
    client: Client, admin: User, emails: dict[str, OutgoingEmail]
) -> None:
    client.force_login(admin)
    sent = emails["sent"]
    assert 'data-action="resend"' not in client.get(f"/notifications/emails/{sent.pk}/").content.decode()
    response = client.post(f"/notifications/emails/{sent.pk}/resend/", follow=True)
    assert "Only an e-mail that failed can be sent again." in response.content.decode()
    sent.refresh_from_db()
    assert sent.state == OutgoingEmail.State.SENT and not Event.objects.filter(name="email.requeued").exists()


def test_another_companys_message_is_not_found(
    client: Client, admin: User, emails: dict[str, OutgoingEmail]
) -> None:
    client.force_login(admin)
    elsewhere = emails["elsewhere"]
    assert client.get(f"/notifications/emails/{elsewhere.pk}/").status_code == 404
    assert client.post(f"/notifications/emails/{elsewhere.pk}/resend/").status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.state == OutgoingEmail.State.FAILED


def test_people_without_the_right_see_nothing(
    client: Client, salesperson: User, manager: User, emails: dict[str, OutgoingEmail]
) -> None:
    failed = emails["failed"]
    for person in (salesperson, manager):
        client.force_login(person)
        assert client.get("/notifications/emails/").status_code == 403
        assert client.get(f"/notifications/emails/{failed.pk}/").status_code == 403
        assert client.post(f"/notifications/emails/{failed.pk}/resend/").status_code == 403
    failed.refresh_from_db()
    assert failed.state == OutgoingEmail.State.FAILED
