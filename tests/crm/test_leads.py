"""Leads: capture from every channel through ``create_lead``, record rules, qualify and
disqualify as declared transitions; every refusal a clear error with nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.core.errors import BusinessError, IllegalTransition, ValidationFailed
from tandem.core.models import Company, Event, User
from tandem.crm import services
from tandem.crm.models import Lead
from tests.kit.records import Snapshot, assert_unchanged

pytestmark = pytest.mark.django_db


def test_a_lead_captured_from_the_web_is_normalised_and_recorded(company: Company) -> None:
    lead = services.create_lead(
        company, None, source="website", company_name=" Hotel Morska ", contact_name="Ewa Kowal",
        email="Ewa@Morska.PL", phone="601 234 567", budget="12000.5", need="Chairs for 40 rooms",
        timeline="quarter",
    )  # fmt: skip
    assert lead.title == "Hotel Morska" and lead.state == "new" and lead.owner is None
    assert lead.email == "ewa@morska.pl" and lead.phone == "+48601234567"
    assert lead.budget == Decimal("12000.50") and lead.currency_id == "EUR"
    event = Event.objects.get(name="lead.created", subject_id=str(lead.pk))
    assert event.data == {"title": "Hotel Morska", "source": "website", "owner": ""}


def test_the_same_message_or_call_is_captured_once(company: Company) -> None:
    first = services.create_lead(company, None, source="email", source_ref="<m1@example.org>", email="a@b.pl")
    again = services.create_lead(company, None, source="email", source_ref="<m1@example.org>", email="a@b.pl")
    assert again.pk == first.pk and Lead.objects.count() == 1
    assert Event.objects.filter(name="lead.created").count() == 1
    other = services.create_lead(
        company, None, source="call", source_ref="<m1@example.org>", phone="601234567"
    )
    assert other.pk != first.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "contact_name"),
        ({"email": "not-an-address", "contact_name": "X"}, "email"),
        ({"phone": "12", "contact_name": "X"}, "phone"),
        ({"budget": "-1", "contact_name": "X"}, "budget"),
        ({"budget": "lots", "contact_name": "X"}, "budget"),
        ({"budget": 1.5, "contact_name": "X"}, "budget"),
        ({"timeline": "someday", "contact_name": "X"}, "timeline"),
        ({"currency": "XXX", "contact_name": "X", "budget": "1"}, "currency"),
        ({"contact_name": "X" * 201}, "contact_name"),
        ({"source": "pigeon", "contact_name": "X"}, "source"),
    ],
)
def test_bad_lead_input_is_refused_with_nothing_written(company: Company, fields: dict, field: str) -> None:
    before = Snapshot.of(Lead)
    with pytest.raises(ValidationFailed) as refused:
        services.create_lead(company, None, **fields)
    assert field in refused.value.errors
    assert_unchanged(before, Lead, None, "refused lead")


def test_unknown_fields_are_refused(company: Company) -> None:
    with pytest.raises(BusinessError):
        services.create_lead(company, None, contact_name="X", colour="red")


def test_a_salesperson_owns_their_leads_and_sees_no_other(
    company: Company, salesperson: User, other_salesperson: User, director: User, admin: User
) -> None:
    mine = services.create_lead(company, salesperson, contact_name="Mine")
    theirs = services.create_lead(company, other_salesperson, contact_name="Theirs")
    pool = services.create_lead(company, None, source="website", contact_name="From the web")
    assert mine.owner == salesperson
    assert list(Lead.objects.visible_to(salesperson)) == [mine]
    assert set(Lead.objects.visible_to(director)) == {mine, theirs, pool}
    assert set(Lead.objects.visible_to(admin)) == {mine, theirs, pool}
    with pytest.raises(ValidationFailed) as refused:
        services.create_lead(company, salesperson, contact_name="Gift", owner=other_salesperson)
    assert "owner" in refused.value.errors
    assigned = services.create_lead(company, director, contact_name="Assigned", owner=other_salesperson)
    assert assigned.owner == other_salesperson


def test_an_owner_from_another_company_is_refused(
    company: Company, other_company: Company, make_user, director: User
) -> None:
    stranger = make_user("stranger", company=other_company)
    with pytest.raises(ValidationFailed) as refused:
        services.create_lead(company, director, contact_name="X", owner=stranger)
    assert "owner" in refused.value.errors


def test_qualify_disqualify_reopen_are_declared_moves(company: Company, salesperson: User) -> None:
    lead = services.create_lead(company, salesperson, contact_name="Ewa", email="ewa@morska.pl")
    services.qualify_lead(lead, salesperson)
    assert lead.state == "qualified" and lead.qualified_by == salesperson and lead.qualified_at
    with pytest.raises(IllegalTransition):
        services.qualify_lead(lead, salesperson)
    with pytest.raises(ValidationFailed):
        services.disqualify_lead(lead, salesperson, reason="  ")
    services.disqualify_lead(lead, salesperson, reason="A student project")
    lead.refresh_from_db()
    assert lead.state == "disqualified" and lead.disqualify_reason == "A student project"
    services.reopen_lead(lead, salesperson)
    lead.refresh_from_db()
    assert lead.state == "new" and lead.disqualify_reason == ""
    names = list(
        Event.objects.filter(subject_id=str(lead.pk), name__startswith="lead.")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert names == ["lead.created", "lead.qualified", "lead.disqualified", "lead.reopened"]


def test_editing_a_lead_is_versioned(company: Company, salesperson: User) -> None:
    lead = services.create_lead(company, salesperson, contact_name="Ewa")
    services.update_lead(lead, salesperson, expected_version=1, budget="500", timeline="now")
    lead.refresh_from_db()
    assert lead.budget == Decimal("500.00") and lead.version == 2
    with pytest.raises(ValidationFailed):
        services.update_lead(lead, salesperson, title="")
