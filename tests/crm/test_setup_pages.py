"""The CRM's set-up pages: lost reasons, sales teams and sales targets (the declared cases: list,
card, create, edit, permissions, another company, stale version, bad input, export, query
counts); a retired reason no longer offered when a deal is lost; who may set which target."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.accounting.roles import AUDITOR
from tandem.core import roles
from tandem.core.errors import NotAllowed
from tandem.core.models import Company, User
from tandem.crm import services, targets
from tandem.crm.forms import LoseForm
from tandem.crm.models import LostReason, SalesTarget, SalesTeam
from tandem.crm.roles import SALES_DIRECTOR
from tests.kit.records import Kit
from tests.kit.views import ViewCases, signed_in

_names = itertools.count(1)


class TestLostReasonPages(ViewCases):
    model = LostReason
    namespace = "crm"
    url_prefix = "lostreason_"
    name_field = "name"
    reader_role = roles.SALESPERSON
    create_data = {"name": "Went with a cheaper offer"}
    edit_changes = {"name": "Went with a cheaper supplier", "active": False}
    stale_changes = {"name": "Price (stale)"}
    bad_input = [({"name": ""}, "name"), ({"name": "x" * 101}, "name")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> LostReason:
        fields.setdefault("name", f"Reason {next(_names)}")
        return services.create_lost_reason(company, actor, **fields)


@pytest.mark.django_db
def test_a_retired_reason_is_not_offered_and_the_menu_links_the_list(
    company: Company, manager: User, admin: User
) -> None:
    services.ensure_setup(company, manager)
    reason = services.create_lost_reason(company, manager, name="Moved abroad")
    services.update_lost_reason(reason, manager, active=False)
    form = LoseForm(request=type("Request", (), {"user": manager})())
    assert reason not in form.fields["reason"].queryset
    settings_home = signed_in(admin).get(reverse("administration:home")).content.decode()
    assert reverse("crm:lostreason_list") in settings_home


class TestSalesTeamPages(ViewCases):
    model = SalesTeam
    namespace = "crm"
    url_prefix = "salesteam_"
    editor_role = SALES_DIRECTOR
    reader_role = roles.SALESPERSON
    create_data = {"name": "Key accounts"}
    edit_changes = {"name": "Key accounts north"}
    stale_changes = {"name": "Key accounts (stale)"}
    bad_input = [({"name": ""}, "name"), ({"name": "x" * 101}, "name")]

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {"name": "Key accounts", "leader": str(kit.editor.pk), "members": [str(kit.reader.pk)]}

    def make(self, company: Company, actor: User | None, **fields: Any) -> SalesTeam:
        fields.setdefault("name", f"Team {next(_names)}")
        return targets.create_team(company, actor, **fields)


class TestSalesTargetPages(ViewCases):
    model = SalesTarget
    namespace = "crm"
    url_prefix = "salestarget_"
    editor_role = SALES_DIRECTOR
    reader_role = AUDITOR  # a salesperson sees only their own targets and their team's
    create_data = {"month": "2026-11", "revenue": "25000.00", "deals": "4", "activities": "60"}
    edit_changes = {"revenue": "30000.00", "deals": 5}
    stale_changes = {"revenue": "1.00"}
    bad_input = [({"revenue": "-1"}, "revenue"), ({"deals": "-3"}, "deals")]

    def name_of(self, obj: Any) -> str:
        return str(obj.team)  # each target the kit makes is a new team's, named by ``name``

    def create_form(self, kit: Kit) -> dict[str, Any]:
        return {**self.create_data, "user": str(kit.reader.pk)}

    def make(self, company: Company, actor: User | None, **fields: Any) -> SalesTarget:
        team = targets.create_team(company, None, name=fields.pop("name", f"Team {next(_names)}"))
        fields.setdefault("month", datetime.date(2026, 10, 1))
        return targets.set_target(company, actor, team=team, revenue="1000", **fields)


@pytest.mark.django_db
def test_a_manager_sets_the_targets_of_the_team_they_lead_and_no_other(
    company: Company, make_user: Callable[..., User]
) -> None:
    director = make_user("director", SALES_DIRECTOR, company=company)
    anna = make_user("anna-lead", roles.SALES_MANAGER, company=company)
    sam, lea = (make_user(name, roles.SALESPERSON, company=company) for name in ("sam-rep", "lea-rep"))
    mine = targets.create_team(company, director, name="North", leader=anna, members=[sam])
    other = targets.create_team(company, director, name="South", members=[lea])
    month = datetime.date(2026, 12, 1)
    client = signed_in(anna)
    form = client.get(reverse("crm:salestarget_create")).context["form"]
    assert list(form.fields["team"].queryset) == [mine]
    assert set(form.fields["user"].queryset) == {anna, sam}
    response = client.post(
        reverse("crm:salestarget_create"),
        {"month": "2026-12", "team": str(other.pk), "revenue": "5", "deals": "1", "activities": "1"},
    )
    assert response.status_code == 200 and "team" in response.context["form"].errors
    with pytest.raises(NotAllowed):
        targets.set_target(company, anna, month=month, user=lea, revenue=5)
    with pytest.raises(NotAllowed):
        targets.update_team(mine, anna, name="Mine now")
    assert not SalesTarget.objects.filter(company=company).exists()
    target = targets.set_target(company, anna, month=month, team=mine, revenue="7000")
    changed = targets.update_target(target, anna, expected_version=target.version, deals=3)
    assert (changed.revenue, changed.deals, changed.version) == (7000, 3, target.version + 1)
    assert SalesTeam.objects.get(pk=mine.pk).members.get() == sam
