"""The books' scheduled jobs: the daily dunning run."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from tandem.accounting.models import DunningLevel
from tandem.accounting.services import dunning
from tandem.core.jobs import services as jobs
from tandem.core.messages import Message
from tandem.core.models import Company


@jobs.scheduled("accounting.dunning", every=timedelta(days=1))
def run_dunning() -> Message:
    """Send the payment reminders due today, in every company that has dunning levels."""
    today = timezone.localdate()
    sent = 0
    for company in Company.objects.filter(
        pk__in=DunningLevel.objects.filter(active=True).values("company_id")
    ):
        sent += len(dunning.run(company, None, today))
    return Message(gettext_noop("%(count)d payment reminders sent."), {"count": sent})
