"""Dunning: the daily job sends the reminder a customer is due, once per level, by e-mail or as
a PDF letter, logs it on the customer's timeline and flags the customer card."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounting import jobs as accounting_jobs
from tandem.accounting.models import DunningLetter, DunningLevel
from tandem.accounting.services import dunning
from tandem.core.attachments.models import Attachment
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import OutgoingEmail
from tests.accounting.reports.conftest import D, Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def levels(company: Company) -> list[DunningLevel]:
    return [
        DunningLevel.objects.create(
            company=company,
            sequence=1,
            name="Friendly reminder",
            days_overdue=7,
            fee=Decimal(0),
            subject="Reminder from {company}",
            body="Dear {partner}, {amount} is {days} days overdue.",
        ),
        DunningLevel.objects.create(
            company=company,
            sequence=2,
            name="Second reminder",
            days_overdue=30,
            fee=Decimal("10"),
            subject="Second reminder",
            body="Dear {partner}, please pay {amount} and a fee of {fee}.",
            send_email=False,
        ),
    ]


def test_each_level_is_sent_once_and_logged_on_the_timeline(
    ledger: Ledger, levels: list[DunningLevel], manager: User
) -> None:
    a, b = ledger.partners["A"], ledger.partners["B"]
    a.email, b.email = "a@example.com", "b@example.com"
    a.save(), b.save()
    due = {
        item.partner.name: (item.level.sequence, item.amount, item.days)
        for item in dunning.due_reminders(ledger.company, D(2026, 3, 31))
    }
    assert due == {"Partner A": (2, 500, 39), "Partner B": (1, 500, 16)}
    letters = dunning.run(ledger.company, None, D(2026, 3, 31))
    assert {(x.partner.name, x.channel, x.fee) for x in letters} == {
        ("Partner A", "letter", 10),
        ("Partner B", "email", 0),
    }
    email = OutgoingEmail.objects.get()
    assert email.to == ["b@example.com"] and email.subject == "Reminder from Tandem Furniture"
    assert "Dear Partner B, 500.00 EUR is 16 days overdue." in email.text
    assert Attachment.objects.filter(object_id=str(a.pk)).count() == 1  # the PDF letter
    assert set(Event.objects.filter(name="dunning.sent").values_list("partner_id", flat=True)) == {a.pk, b.pk}
    # The next day nothing new is due; a later level is sent when reached.
    assert dunning.run(ledger.company, None, D(2026, 4, 1)) == []
    later = dunning.run(ledger.company, None, D(2026, 4, 15))  # B: 31 days overdue
    assert [(x.partner.name, x.level.sequence) for x in later] == [("Partner B", 2)]
    assert DunningLetter.objects.count() == 3


def test_the_scheduled_job_runs_every_company(
    ledger: Ledger, levels: list[DunningLevel], monkeypatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: D(2026, 3, 31))
    message = accounting_jobs.run_dunning()
    assert message.params == {"count": 2}


def test_the_customer_card_flags_the_level(
    ledger: Ledger, levels: list[DunningLevel], accountant: User, admin: User, salesperson: User
) -> None:
    a = ledger.partners["A"]
    client = Client()
    client.force_login(admin)
    assert "On dunning level" not in client.get(a.get_absolute_url()).content.decode()
    dunning.run(ledger.company, None, D(2026, 3, 31))
    page = client.get(a.get_absolute_url()).content.decode()
    assert "On dunning level 2: Second reminder" in page
    assert "Payment reminder sent" in page  # the timeline
