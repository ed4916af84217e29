"""The books' scheduled jobs: the daily dunning run, and the period-end revaluation of open
foreign-currency items for the companies that ask for it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_noop

from tandem.accounting.models import BooksSettings, DunningLevel
from tandem.accounting.services import dunning, ledger
from tandem.core.errors import BusinessError
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


@jobs.scheduled("accounting.period_end_revaluation", every=timedelta(days=1))
def revalue_at_period_end() -> Message:
    """Revalue the open foreign-currency items at the end of the period just ended (and of any
    period end a missed run left out), once per period, in every company whose accounting
    settings ask for it; tell a refused company's accountants why, once per period."""
    today = timezone.localdate()
    counts = {"posted": 0, "nothing": 0, "done": 0, "locked": 0, "refused": 0}
    companies = Company.objects.filter(
        pk__in=BooksSettings.objects.filter(revalue_at_period_end=True).values("company_id")
    ).select_related("currency")
    for company in companies.order_by("pk"):
        try:
            for period_end in ledger.revalue_period_ends(company, None, today):
                counts[period_end.outcome] += 1
        except BusinessError as error:  # say, the exchange accounts are not set: the others still run
            counts["refused"] += 1
            ledger.tell_revaluation_refused(company, today, error)
    return Message(
        gettext_noop(
            "Period-end revaluation: %(posted)d entries posted, %(nothing)d period ends with nothing to "
            "revalue, %(done)d revalued already, %(locked)d with the date locked, %(refused)d refused "
            "(their exchange journal or accounts are not set)."
        ),
        counts,
    )
