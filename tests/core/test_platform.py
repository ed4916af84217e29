"""Roles, record rules, the event log and document states."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from tandem.core import events, roles
from tandem.core.errors import NotAllowed
from tandem.core.models import Company, Event, User
from tandem.core.services import authenticate_token, issue_api_token, revoke_api_token, switch_company
from tandem.crm import targets
from tandem.crm.roles import SALES_DIRECTOR
from tandem.partners.models import Partner


@pytest.mark.django_db
def test_every_role_is_a_group_with_its_declared_permissions() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLE_LABELS)
    salesperson = Group.objects.get(name=roles.SALESPERSON)
    codes = set(salesperson.permissions.values_list("codename", flat=True))
    assert {"view_partner", "add_partner", "view_product"} <= codes
    assert "view_all_partners" not in codes
    # A sales manager sees the team's customers (the CRM's reach); a role declared by another app
    # may be granted a lower app's permission by its full name (the sales director's).
    assert "view_all_partners" not in Group.objects.get(name=roles.SALES_MANAGER).permissions.values_list(
        "codename", flat=True
    )
    director = Group.objects.get(name=SALES_DIRECTOR).permissions
    assert director.filter(codename="view_all_partners", content_type__app_label="partners").exists()


def test_salesperson_sees_own_customers_manager_the_teams_director_all(
    make_partner: Callable[..., Partner],
    salesperson: User,
    other_salesperson: User,
    manager: User,
    make_user: Callable[..., User],
    company: Company,
) -> None:
    mine = make_partner("Mine", owner=salesperson)
    theirs = make_partner("Theirs", owner=other_salesperson)
    supplier = make_partner("Timber Supplier", is_customer=False, is_supplier=True)
    assert set(Partner.objects.visible_to(salesperson)) == {mine, supplier}
    assert set(Partner.objects.visible_to(manager)) == {supplier}
    targets.create_team(company, None, name="North", leader=manager, members=[salesperson])
    assert set(Partner.objects.visible_to(manager)) == {mine, supplier}
    assert set(Partner.objects.visible_to(make_user("dana", SALES_DIRECTOR))) == {mine, theirs, supplier}


def test_other_company_rows_are_invisible(
    make_partner: Callable[..., Partner], make_user: Callable[..., User], other_company: Company
) -> None:
    make_partner("Ours")
    outsider = make_user("otto", roles.SALES_MANAGER, company=other_company)
    assert not Partner.objects.visible_to(outsider).exists()


def test_switching_to_a_company_not_allowed_is_refused(manager: User, other_company: Company) -> None:
    with pytest.raises(NotAllowed):
        switch_company(manager, other_company)
    manager.refresh_from_db()
    assert manager.active_company != other_company


def test_events_record_actor_subject_and_partner(make_partner: Callable[..., Partner], manager: User) -> None:
    partner = make_partner("Acme")
    event = events.for_subject(partner).get()
    assert (event.name, event.actor, event.partner_id, event.company) == (
        "partner.created",
        manager,
        partner.pk,
        partner.company,
    )


def test_handlers_run_inside_or_after_the_transaction(
    company: Company, declare_events: Callable[..., None]
) -> None:
    declare_events(events.EventType("test.inside", "Inside"), events.EventType("test.after", "After"))
    seen: list[str] = []
    events.on("test.inside")(lambda event: seen.append("inside"))
    events.on("test.after", after_commit=True)(lambda event: seen.append("after"))
    with transaction.atomic():
        events.record("test.inside", company)
        events.record("test.after", company)
        assert seen == ["inside"]
    # pytest-django wraps tests in a transaction that never commits: on_commit never fires here.
    assert Event.objects.filter(name__startswith="test.").count() == 2


def test_api_tokens_are_stored_hashed_and_can_be_revoked(manager: User) -> None:
    token, secret = issue_api_token(manager, "ci")
    assert secret not in token.key_hash and token.prefix == secret[:12]
    assert authenticate_token(secret) == manager
    revoke_api_token(token)
    assert authenticate_token(secret) is None


@pytest.mark.parametrize(
    ("language", "people", "place"), [("ru", "Кладовщик", "Склад"), ("pl", "Magazynier", "Magazyn")]
)
def test_the_warehouse_role_and_the_warehouse_are_translated_apart(
    language: str, people: str, place: str
) -> None:
    """The role is the people who work there; a filter or column named "Warehouse" is the place."""
    from django.utils import translation

    from tandem.inventory.filters import TransferFilter

    with translation.override(language):
        assert str(roles.ROLE_LABELS[roles.WAREHOUSE]) == people
        assert str(TransferFilter.base_filters["warehouse"].label) == place


def test_goods_received_and_money_received_are_translated_apart() -> None:
    """A purchase order's "Receipts" are goods; a report's are money."""
    from django.utils import translation

    with translation.override("pl"):
        assert translation.pgettext("goods", "Receipts") == "Przyjęcia"
        assert translation.gettext("Receipts") == "Wpływy"
        assert translation.pgettext("goods", "Delivered") == "Dostarczono"
