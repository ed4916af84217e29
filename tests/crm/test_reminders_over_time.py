"""The reminder job as beat runs it, on the real clock moved forward (``time-machine``): nothing
is told before its time, each thing once, and what the job reads as "now" is the day it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tandem.core.jobs import services as jobs
from tandem.core.models import Company, User
from tandem.core.notifications.models import Notification
from tandem.crm import services
from tandem.crm.models import Deal

pytestmark = pytest.mark.django_db


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone())


def _told(person: User) -> list[str]:
    return list(Notification.objects.filter(recipient=person).order_by("id").values_list("title", flat=True))


def test_the_reminder_job_tells_each_thing_once_when_its_day_comes(
    make_deal: Callable[..., Deal], company: Company, salesperson: User
) -> None:
    """Monday 9:00, Sam opens “Desks” in New (stalled after 7 days without news), expected to
    close on Friday, and plans a call for Tuesday 10:00. The job runs every quarter of an hour."""
    monday = date(2026, 3, 2)
    with time_machine.travel(_at(monday, 9), tick=False) as clock:
        deal = make_deal(title="Desks", expected_close=monday + timedelta(days=4))
        services.schedule_activity(
            company, salesperson, deal=deal, kind="call", subject="Call back",
            due_at=_at(monday + timedelta(days=1), 10),
        )  # fmt: skip

        def run() -> None:
            found = jobs.run_scheduled("crm.reminders")
            assert found.outcome == "succeeded", found.message

        run()
        clock.move_to(_at(monday + timedelta(days=1), 9, 45))  # Tuesday, before the call is due
        run()
        assert _told(salesperson) == []
        clock.move_to(_at(monday + timedelta(days=1), 10, 15))
        run()
        clock.move_to(_at(monday + timedelta(days=1), 10, 30))
        run()
        assert _told(salesperson) == ["Overdue: Call back"]
        clock.move_to(_at(monday + timedelta(days=4), 23, 45))  # Friday night: still its close day
        run()
        clock.move_to(_at(monday + timedelta(days=5), 0, 15))  # Saturday
        run()
        assert _told(salesperson)[1:] == ["Past its close date: Desks"]
        clock.move_to(_at(monday + timedelta(days=7), 8, 45))  # a week less a quarter: not stalled
        run()
        assert Deal.objects.stalled().count() == 0 and len(_told(salesperson)) == 2
        clock.move_to(_at(monday + timedelta(days=7), 9, 15))
        run()
        assert list(Deal.objects.stalled()) == [deal]  # the board's badge reads the same clock
        assert _told(salesperson)[2:] == ["Stalled deal: Desks"]
        # Sam logs a call: the deal has news, stops being stalled, and may stall again in a week
        services.log_activity(company, salesperson, deal=deal, kind="call", subject="Talked to Ana")
        clock.move_to(_at(monday + timedelta(days=13), 9, 15))
        run()
        assert len(_told(salesperson)) == 3 and not Deal.objects.stalled().exists()
        clock.move_to(_at(monday + timedelta(days=14), 9, 30))
        run()
        assert _told(salesperson)[3:] == ["Stalled deal: Desks"]
