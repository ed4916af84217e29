"""A salesperson's morning: the agenda shows an overdue call; Sam makes it and logs what the
customer said, drags the deal to Proposal on the board, and later marks it won. The customer's
card shows the deal, the call and every step on its timeline; then the invariants hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tandem.core.models import Company, Event, User
from tandem.crm import services, targets
from tandem.crm.models import Activity, Deal
from tandem.partners.models import Partner
from tests.kit.views import signed_in

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_a_salespersons_morning(
    company: Company, salesperson: User, manager: User, make_partner: Callable[..., Partner]
) -> None:
    targets.create_team(
        company, None, name="Adriatic", leader=manager, members=[salesperson]
    )  # Anna leads Sam
    customer = make_partner("Hotel Bled", actor=salesperson)
    deal = services.create_deal(
        company, salesperson, title="Lobby furniture", partner=customer, amount="48000.00"
    )
    call = services.schedule_activity(
        company, salesperson, deal=deal, kind="call", subject="Call the manager",
        due_at=timezone.now() - timedelta(hours=20),
    )  # fmt: skip
    sam = signed_in(salesperson)

    # 1. The agenda: yesterday's call is overdue.
    agenda = sam.get(reverse("crm:agenda"))
    overdue = agenda.context["sections"][0][2]
    assert [a.subject for a in overdue] == ["Call the manager"]

    # 2. The call is made: marked done from the agenda, with what was said.
    done = sam.post(
        reverse("crm:activity_complete", args=[call.pk]),
        {"outcome": "Wants a proposal by Friday", "next": reverse("crm:agenda")},
    )
    assert done.status_code == 302 and done["Location"] == reverse("crm:agenda")
    call.refresh_from_db()
    assert call.state == Activity.State.DONE and call.outcome == "Wants a proposal by Friday"
    assert sam.get(reverse("crm:agenda")).context["sections"][0][2] == []

    # 3. On the board the deal is dragged to Proposal: saved at once, the board answers.
    board = sam.get(reverse("crm:board"))
    assert board.context["columns"][0].count == 1
    proposal = deal.pipeline.stages.get(name="Proposal")
    moved = sam.post(
        reverse("crm:deal_move", args=[deal.pk]), {"stage": proposal.pk, "version": deal.version}, **HTMX
    )
    assert moved.status_code == 200
    assert [c.count for c in moved.context["columns"]][:3] == [0, 0, 1]
    assert str(moved.context["columns"][2].weighted) == "24000.00"

    # 4. The customer signs: the deal is won.
    won = sam.post(reverse("crm:deal_win", args=[deal.pk]))
    assert won.status_code == 302
    deal.refresh_from_db()
    assert deal.state == Deal.State.WON and deal.stage.is_won

    # 5. The customer's card: the deal, the call, and the timeline of every step.
    card = sam.get(reverse("partners:detail", args=[customer.pk])).content.decode()
    assert "Lobby furniture" in card and "Call the manager" in card
    timeline = set(Event.objects.filter(partner_id=customer.pk).values_list("name", flat=True))
    assert {"deal.created", "activity.scheduled", "activity.done", "deal.moved", "deal.won"} <= timeline

    # The manager sees the won deal in the list of the team she leads.
    listed = signed_in(manager).get(reverse("crm:deal_list"), {"state": "won"}).content.decode()
    assert "Lobby furniture" in listed
