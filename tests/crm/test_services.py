"""CRM services: pipelines, deals moving through stages, win / lose / reopen, activities and
reminders. Every refusal is a clear error with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.core.errors import BusinessError, IllegalTransition, StaleVersion, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import Notification
from tandem.crm import services
from tandem.crm.models import Activity, Deal, LostReason, Pipeline, Stage
from tandem.partners.models import Partner
from tests.kit.records import Snapshot, assert_unchanged

pytestmark = pytest.mark.django_db


def test_a_company_gets_its_default_pipeline_once(company: Company, manager: User) -> None:
    first = services.ensure_setup(company, manager)
    again = services.ensure_setup(company, manager)
    assert first == again and first.is_default
    names = list(first.stages.values_list("name", "is_won", "is_lost"))
    assert (
        names[0] == ("New", False, False) and ("Won", True, False) in names and ("Lost", False, True) in names
    )
    assert LostReason.objects.filter(company=company).count() == 5
    assert Pipeline.objects.filter(company=company).count() == 1


def test_several_pipelines_per_company_and_one_default(
    company: Company, manager: User, pipeline: Pipeline
) -> None:
    renewals = services.create_pipeline(company, manager, name="Renewals", stages=services.DEFAULT_STAGES)
    assert not renewals.is_default
    services.update_pipeline(renewals, manager, is_default=True)
    assert list(Pipeline.objects.filter(company=company, is_default=True)) == [renewals]
    with pytest.raises(ValidationFailed) as refused:
        services.create_pipeline(company, manager, name="Renewals")
    assert "name" in refused.value.errors


def test_a_stage_is_won_or_lost_not_both_and_one_of_each(pipeline: Pipeline, manager: User) -> None:
    before = Snapshot.of(Stage)
    for fields, field in [
        ({"name": "Odd", "is_won": True, "is_lost": True}, "is_lost"),
        ({"name": "Won again", "is_won": True}, "is_won"),
        ({"name": "Sure", "probability": "101"}, "probability"),
        ({"name": "New"}, "name"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            services.add_stage(pipeline, manager, **fields)
        assert field in refused.value.errors, fields
    assert_unchanged(before, Stage, None, "refused stages")
    stage = services.add_stage(pipeline, manager, name="Demo done", probability="60", stall_days=5)
    assert stage.probability == Decimal("60.00") and stage.sequence > 10


def test_a_deal_starts_in_the_first_stage_with_its_probability(
    make_deal: Callable[..., Deal], salesperson: User
) -> None:
    deal = make_deal()
    assert deal.stage.name == "New" and deal.owner == salesperson and deal.state == "open"
    assert deal.effective_probability == Decimal(10) and deal.weighted_amount == Decimal("1000.00")
    assert deal.currency_id == "EUR"
    override = make_deal(probability="35")
    assert override.effective_probability == Decimal("35.00")
    created = Event.objects.get(name="deal.created", subject_id=str(deal.pk))
    assert created.partner_id == deal.partner_id  # on the customer's timeline


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"probability": "150"}, "probability"),
        ({"title": "  "}, "title"),
        ({"partner": None}, "partner"),
        ({"currency": "XXX"}, "currency"),
        ({"source": "carrier pigeon"}, "source"),
    ],
)
def test_bad_deal_input_is_a_clear_error_and_writes_nothing(
    make_deal: Callable[..., Deal], pipeline: Pipeline, fields: dict[str, object], field: str
) -> None:
    before = Snapshot.of(Deal)
    with pytest.raises(ValidationFailed) as refused:
        make_deal(**fields)
    assert field in refused.value.errors and refused.value.errors[field][0]
    assert_unchanged(before, Deal, None, f"a deal with {fields}")


def test_a_stage_of_another_pipeline_is_refused(
    make_deal: Callable[..., Deal], company: Company, manager: User, salesperson: User
) -> None:
    other = services.create_pipeline(company, manager, name="Renewals", stages=services.DEFAULT_STAGES)
    deal = make_deal()
    foreign_stage = other.stages.get(name="Qualified")
    before = Snapshot.of(Deal, deal)
    with pytest.raises(ValidationFailed) as refused:
        services.move_deal(deal, salesperson, foreign_stage)
    assert "stage" in refused.value.errors
    assert_unchanged(before, Deal, deal, "a move to another pipeline's stage")


def test_moving_a_deal_records_it_on_the_timeline(
    make_deal: Callable[..., Deal], pipeline: Pipeline, salesperson: User
) -> None:
    deal = make_deal()
    proposal = pipeline.stages.get(name="Proposal")
    moved = services.move_deal(deal, salesperson, proposal, expected_version=deal.version)
    assert moved.stage == proposal and moved.version == deal.version + 1
    event = Event.objects.get(name="deal.moved")
    assert event.data["stage"] == ["New", "Proposal"] and event.partner_id == deal.partner_id
    with pytest.raises(StaleVersion):
        services.move_deal(moved, salesperson, pipeline.stages.get(name="New"), expected_version=deal.version)


def test_dropping_on_the_won_stage_wins_and_a_won_deal_does_not_move(
    make_deal: Callable[..., Deal], pipeline: Pipeline, salesperson: User
) -> None:
    deal = services.move_deal(make_deal(), salesperson, pipeline.stages.get(is_won=True))
    assert deal.state == "won" and deal.closed_at is not None and deal.effective_probability == 100
    assert Event.objects.filter(name="deal.won", subject_id=str(deal.pk)).count() == 1
    before = Snapshot.of(Deal, deal)
    with pytest.raises(IllegalTransition) as refused:
        services.move_deal(deal, salesperson, pipeline.stages.get(name="New"))
    assert "reopen" in refused.value.message
    with pytest.raises(IllegalTransition):
        services.win_deal(deal, salesperson)
    assert_unchanged(before, Deal, deal, "moving a won deal")


def test_a_deal_is_not_lost_without_a_reason(
    make_deal: Callable[..., Deal], pipeline: Pipeline, salesperson: User
) -> None:
    deal = make_deal()
    before = Snapshot.of(Deal, deal)
    with pytest.raises(ValidationFailed) as refused:
        services.lose_deal(deal, salesperson, reason=None)
    assert "reason" in refused.value.errors
    with pytest.raises(ValidationFailed) as dropped:
        services.move_deal(deal, salesperson, pipeline.stages.get(is_lost=True))
    assert "lost_reason" in dropped.value.errors
    assert_unchanged(before, Deal, deal, "losing a deal without a reason")


def test_lose_then_reopen(make_deal: Callable[..., Deal], company: Company, salesperson: User) -> None:
    deal = make_deal()
    reason = LostReason.objects.get(company=company, name="No budget")
    lost = services.lose_deal(deal, salesperson, reason=reason, note="Next year maybe")
    assert lost.state == "lost" and lost.stage.is_lost and lost.lost_reason == reason
    event = Event.objects.get(name="deal.lost")
    assert event.data["reason"] == "No budget" and event.data["state"] == ["open", "lost"]
    reopened = services.reopen_deal(lost, salesperson)
    assert reopened.state == "open" and reopened.stage.is_open and reopened.lost_reason is None
    assert reopened.stage.name == "Negotiation"  # the last open stage


def test_a_closed_deal_keeps_its_amount(make_deal: Callable[..., Deal], salesperson: User) -> None:
    deal = services.win_deal(make_deal(), salesperson)
    with pytest.raises(IllegalTransition):
        services.update_deal(deal, salesperson, amount="1.00")
    services.update_deal(deal, salesperson, notes="Paid on time")


def test_a_salesperson_opens_deals_only_for_themselves_and_visible_customers(
    company: Company,
    salesperson: User,
    other_salesperson: User,
    make_partner: Callable[..., Partner],
    pipeline: Pipeline,
) -> None:
    theirs = make_partner("Theirs Ltd", actor=other_salesperson)
    mine = make_partner("Mine Ltd", actor=salesperson)
    before = Snapshot.of(Deal)
    with pytest.raises(ValidationFailed) as hidden:
        services.create_deal(company, salesperson, title="Poach", partner=theirs)
    assert "partner" in hidden.value.errors
    with pytest.raises(ValidationFailed) as assigned:
        services.create_deal(company, salesperson, title="Gift", partner=mine, owner=other_salesperson)
    assert "owner" in assigned.value.errors
    assert_unchanged(before, Deal, None, "refused deals")


def test_another_companys_partner_is_refused(
    make_deal: Callable[..., Deal], other_company: Company, manager: User
) -> None:
    from tandem.partners.services import create_partner

    foreign = create_partner(other_company, None, name="Elsewhere GmbH", allow_duplicate=True)
    with pytest.raises(ValidationFailed) as refused:
        make_deal(partner=foreign, actor=manager)
    assert "partner" in refused.value.errors


# --- activities ----------------------------------------------------------------------------


def test_schedule_and_complete_an_activity(
    make_deal: Callable[..., Deal], company: Company, salesperson: User, soon: object
) -> None:
    deal = make_deal()
    call = services.schedule_activity(
        company, salesperson, deal=deal, kind="call", subject="Call the buyer", due_at=soon
    )
    assert call.partner == deal.partner and call.assignee == salesperson and call.state == "planned"
    done = services.complete_activity(call, salesperson, outcome="Wants a second offer", duration=12)
    assert done.state == "done" and done.done_by == salesperson and done.duration == 12
    deal.refresh_from_db()
    assert deal.last_activity_at == done.done_at
    names = list(Event.objects.filter(partner_id=deal.partner_id).values_list("name", flat=True))
    assert "activity.scheduled" in names and "activity.done" in names
    with pytest.raises(IllegalTransition):
        services.cancel_activity(done, salesperson)


def test_log_a_note_on_a_partner(company: Company, salesperson: User, customer: Partner) -> None:
    note = services.log_activity(
        company, salesperson, partner=customer, kind="note", subject="Prefers e-mail"
    )
    assert note.state == "done" and note.deal is None
    assert Event.objects.get(name="activity.logged").partner_id == customer.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"kind": "fax"}, "kind"),
        ({"duration": "-5"}, "duration"),
        ({"due_at": None}, "due_at"),
        ({"deal": None}, "deal"),
    ],
)
def test_bad_activity_input_writes_nothing(
    make_deal: Callable[..., Deal],
    company: Company,
    salesperson: User,
    soon: object,
    fields: dict[str, object],
    field: str,
) -> None:
    data = {"deal": make_deal(), "subject": "Call", "kind": "call", "due_at": soon, **fields}
    before = Snapshot.of(Activity)
    with pytest.raises(ValidationFailed) as refused:
        services.schedule_activity(company, salesperson, **data)
    assert field in refused.value.errors
    assert_unchanged(before, Activity, None, f"an activity with {fields}")


def test_an_activity_on_a_partner_one_may_not_see_is_refused(
    company: Company, salesperson: User, other_salesperson: User, make_partner: Callable[..., Partner]
) -> None:
    theirs = make_partner("Theirs Ltd", actor=other_salesperson)
    before = Snapshot.of(Activity)
    with pytest.raises(ValidationFailed) as refused:
        services.log_activity(company, salesperson, partner=theirs, kind="note", subject="Snooping")
    assert "partner" in refused.value.errors
    assert_unchanged(before, Activity, None, "an activity on a hidden partner")


def test_unknown_fields_are_refused(company: Company, salesperson: User, customer: Partner) -> None:
    with pytest.raises(BusinessError):
        services.create_deal(company, salesperson, title="X", partner=customer, state="won")


# --- reminders -----------------------------------------------------------------------------


def test_reminders_of_overdue_activities_and_stalled_deals_come_once(
    make_deal: Callable[..., Deal], company: Company, salesperson: User, pipeline: Pipeline
) -> None:
    start = timezone.now()
    deal = make_deal()  # "New" stalls after 7 days without activity
    services.schedule_activity(
        company, salesperson, deal=deal, kind="call", subject="Call back", due_at=start + timedelta(days=1)
    )
    quiet = {"overdue": 0, "stalled": 0, "past_close": 0}
    assert services.send_reminders(start) == quiet
    assert services.send_reminders(start + timedelta(days=2)) == {**quiet, "overdue": 1}
    assert services.send_reminders(start + timedelta(days=2)) == quiet
    assert services.send_reminders(start + timedelta(days=8)) == {**quiet, "stalled": 1}
    assert services.send_reminders(start + timedelta(days=9)) == quiet
    titles = sorted(Notification.objects.filter(recipient=salesperson).values_list("title", flat=True))
    assert titles == ["Overdue: Call back", "Stalled deal: Chairs for the office"]
    services.log_activity(company, salesperson, deal=deal, kind="call", subject="Called", outcome="Alive")
    assert services.send_reminders(start + timedelta(days=3)) == quiet  # touched


def test_a_deal_past_its_expected_close_date_reminds_its_owner_once(
    make_deal: Callable[..., Deal], salesperson: User
) -> None:
    start, today = timezone.now(), timezone.localdate()
    deal = make_deal(title="Desks", expected_close=today + timedelta(days=3))
    make_deal(title="Unowned", expected_close=today - timedelta(days=1), owner=None, actor=None)
    make_deal(title="Open-ended")  # no expected close: never past it
    quiet = {"overdue": 0, "stalled": 0, "past_close": 0}
    assert services.send_reminders(start) == quiet
    assert services.send_reminders(start + timedelta(days=4)) == {**quiet, "past_close": 1}
    assert services.send_reminders(start + timedelta(days=4)) == quiet  # once
    note = Notification.objects.get(recipient=salesperson)
    assert note.title == "Past its close date: Desks"
    assert note.link == deal.get_absolute_url()
    # a new date may remind again when it passes in turn
    deal = services.update_deal(deal, salesperson, expected_close=today + timedelta(days=5))
    assert services.send_reminders(start + timedelta(days=5)) == quiet
    assert services.send_reminders(start + timedelta(days=6)) == {**quiet, "past_close": 1}
    deal = services.win_deal(deal, salesperson)  # a closed deal is past nothing
    assert services.send_reminders(start + timedelta(days=6)) == quiet
    services.reopen_deal(deal, salesperson)  # reopened late: reminded again
    assert services.send_reminders(start + timedelta(days=6)) == {**quiet, "past_close": 1}
    assert Notification.objects.filter(title__startswith="Past its close date").count() == 3
    assert not Notification.objects.exclude(recipient=salesperson).exists()


def test_the_scheduled_job_is_declared() -> None:
    from tandem.core.jobs import services as jobs

    assert "crm.reminders" in [schedule.name for schedule in jobs.schedules()]


def test_stalled_is_one_sql_rule_shared_by_the_reminder_and_the_board(
    make_deal: Callable[..., Deal], salesperson: User, pipeline: Pipeline
) -> None:
    start = timezone.now()
    deal = make_deal()  # "New" stalls after 7 days without activity
    assert list(Deal.objects.stalled(start + timedelta(days=6))) == []
    assert list(Deal.objects.stalled(start + timedelta(days=8))) == [deal]
    Deal.objects.filter(pk=deal.pk).update(last_activity_at=start + timedelta(days=5))
    assert list(Deal.objects.stalled(start + timedelta(days=8))) == []  # touched since
    assert list(Deal.objects.stalled(start + timedelta(days=13))) == [deal]
    Deal.objects.filter(pk=deal.pk).update(stage_changed_at=None, last_activity_at=start)
    assert list(Deal.objects.stalled(start + timedelta(days=8))) == [deal]  # either date may be missing
    services.win_deal(deal, salesperson)
    assert list(Deal.objects.stalled(start + timedelta(days=30))) == []  # only open deals stall
