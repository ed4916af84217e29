"""The deal book's invariants, run after every story and property test (core.invariants)."""

from __future__ import annotations

from django.db.models import F, Q
from django.utils.translation import gettext as _

from tandem.core.invariants import register_invariant
from tandem.crm.models import Activity, Deal


def deals_sit_in_their_pipeline() -> list[str]:
    return [
        _("deal %(deal)s sits in stage %(stage)s of another pipeline") % {"deal": pk, "stage": stage}
        for pk, stage in Deal.objects.exclude(stage__pipeline=F("pipeline")).values_list("pk", "stage_id")
    ]


def closed_deals_match_their_stage() -> list[str]:
    """Open deals sit in open stages; a won deal is never in the lost stage nor the reverse;
    a lost deal has its reason; activities name their deal's customer."""
    wrong = Deal.objects.filter(
        Q(state="open", stage__is_won=True)
        | Q(state="open", stage__is_lost=True)
        | Q(state="won", stage__is_lost=True)
        | Q(state="lost", stage__is_won=True)
        | Q(state="lost", lost_reason__isnull=True)
    ).values_list("pk", "state", "stage__name")
    found = [
        _("deal %(deal)s is %(state)s in stage “%(stage)s”") % {"deal": pk, "state": state, "stage": stage}
        for pk, state, stage in wrong
    ]
    found += [
        _("activity %(activity)s names another customer than its deal") % {"activity": pk}
        for pk in Activity.objects.filter(deal__isnull=False)
        .exclude(partner=F("deal__partner"))
        .values_list("pk", flat=True)
    ]
    return found


register_invariant("crm: deals sit in a stage of their own pipeline", deals_sit_in_their_pipeline)
register_invariant("crm: a deal's state matches its stage", closed_deals_match_their_stage)


def converted_leads_name_their_customer() -> list[str]:
    """A converted lead names its customer, and its deal (if any) is that customer's."""
    from tandem.crm.models import Lead

    wrong = Lead.objects.filter(state="converted").filter(
        Q(partner__isnull=True) | Q(deal__isnull=False) & ~Q(deal__partner=F("partner"))
    )
    return [
        _("lead %(lead)s is converted without its customer or with another's deal") % {"lead": pk}
        for pk in wrong.values_list("pk", flat=True)
    ]


register_invariant(
    "crm: a converted lead names its customer and its deal", converted_leads_name_their_customer
)
