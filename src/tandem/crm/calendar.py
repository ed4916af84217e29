"""The team calendar (activities by day over a week or a month) and each person's iCalendar feed
at a secret address that Outlook or Google Calendar subscribe to.

The feed's token is shown once; only its SHA-256 is stored (a 256-bit random token needs no
slow hash), so a copy of the database does not open anyone's calendar. The feed holds the
activities assigned to its owner that the owner may see now, in the company it was issued in;
an owner who lost the company, the right to see activities or their account gets a 404.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import icalendar
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tandem.core import events
from tandem.core.models import Company, User
from tandem.core.querysets import allowed_company
from tandem.crm.models import Activity, CalendarFeed

FEED_PAST_DAYS = 90
FEED_FUTURE_DAYS = 366
FEED_LIMIT = 2000
DEFAULT_MINUTES = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_feed(user: User, company: Company) -> str:
    """A new secret token for the person's feed in this company (any older one stops working)."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, company=company, defaults={"token_hash": _digest(token)})
    events.record("calendar_feed.issued", user, user, {}, company=company)
    return token


@transaction.atomic
def revoke_feed(user: User, company: Company) -> bool:
    deleted, _rows = CalendarFeed.objects.filter(user=user, company=company).delete()
    if deleted:
        events.record("calendar_feed.revoked", user, user, {}, company=company)
    return bool(deleted)


def has_feed(user: User, company: Company) -> bool:
    return CalendarFeed.objects.filter(user=user, company=company).exists()


def feed_owner(token: str) -> User | None:
    """The person whose feed this token opens, working in the feed's company; None when the token
    is unknown or revoked, or the person may no longer read activities there."""
    if not token or len(token) > 128:
        return None
    feed = CalendarFeed.objects.filter(token_hash=_digest(token)).select_related("user", "company").first()
    if feed is None or not feed.user.is_active:
        return None
    user = feed.user
    user.api_token_company_id = feed.company_id  # type: ignore[attr-defined]  # the feed's company, as a token's
    if not user.has_perm("crm.view_activity"):
        return None
    return user if allowed_company(user) is not None else None


def feed_activities(user: User, now: datetime | None = None) -> QuerySet[Activity]:
    now = now or timezone.now()
    return (
        Activity.objects.visible_to(user)
        .filter(
            assignee=user,
            due_at__gte=now - timedelta(days=FEED_PAST_DAYS),
            due_at__lt=now + timedelta(days=FEED_FUTURE_DAYS),
        )
        .exclude(state=Activity.State.CANCELLED)
        .select_related("deal", "partner")
        .order_by("due_at", "id")
    )


def ics(user: User, host: str, now: datetime | None = None) -> bytes:
    """The person's activities as an iCalendar (RFC 5545) document."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Tandem//CRM activities//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Tandem — {user}")
    calendar.add("refresh-interval;value=duration", "PT1H")
    stamp = now or timezone.now()
    for activity in feed_activities(user, now)[:FEED_LIMIT]:
        due = activity.due_at
        assert due is not None
        entry = icalendar.Event()
        entry.add("uid", f"activity-{activity.pk}@{host}")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", due)
        entry.add("dtend", due + timedelta(minutes=activity.duration or DEFAULT_MINUTES))
        entry.add("summary", f"{activity.get_kind_display()}: {activity.subject}")
        about = [str(x) for x in (activity.deal, activity.partner) if x is not None]
        if about or activity.notes:
            entry.add("description", "\n".join([*about, activity.notes]).strip())
        entry.add("status", "CONFIRMED" if activity.state == Activity.State.PLANNED else "COMPLETED")
        entry.add("url", f"https://{host}{activity.get_absolute_url()}")
        calendar.add_component(entry)
    return bytes(calendar.to_ical())


# --- the team calendar ------------------------------------------------------------------------


@dataclass
class Day:
    day: date
    activities: list[Activity]
    in_range: bool = True
    today: bool = False


def calendar_range(view: str, anchor: date) -> tuple[date, date]:
    """The first and last day shown: a week from Monday, or a month's weeks from Monday."""
    if view == "month":
        first = anchor.replace(day=1)
        start = first - timedelta(days=first.weekday())
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        end = last + timedelta(days=6 - last.weekday())
        return start, end
    start = anchor - timedelta(days=anchor.weekday())
    return start, start + timedelta(days=6)


CALENDAR_LIMIT = 1000


def team_calendar(
    rows: QuerySet[Activity], view: str, anchor: date, person: Any = None
) -> tuple[list[Day], bool]:
    """The days of the week or month with their activities (one query); True when more than
    ``CALENDAR_LIMIT`` were due and the rest were left out."""
    start, end = calendar_range(view, anchor)
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    rows = rows.filter(due_at__gte=since, due_at__lt=until).exclude(state=Activity.State.CANCELLED)
    if person is not None:
        rows = rows.filter(assignee=person)
    found = list(
        rows.select_related("assignee", "deal", "partner").order_by("due_at", "id")[: CALENDAR_LIMIT + 1]
    )
    cut = len(found) > CALENDAR_LIMIT
    by_day: dict[date, list[Activity]] = {}
    for activity in found[:CALENDAR_LIMIT]:
        assert activity.due_at is not None
        by_day.setdefault(timezone.localtime(activity.due_at).date(), []).append(activity)
    today = timezone.localdate()
    days = []
    day = start
    while day <= end:
        days.append(
            Day(
                day,
                by_day.get(day, []),
                in_range=view != "month" or day.month == anchor.month,
                today=day == today,
            )
        )
        day += timedelta(days=1)
    return days, cut
