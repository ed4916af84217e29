"""The CRM's set-up lists in the settings area: lost reasons (the declared cases: list, card,
create, edit, permissions, another company, stale version, bad input, export, query counts),
and a retired reason no longer offered when a deal is lost."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from tandem.core import roles
from tandem.core.models import Company, User
from tandem.crm import services
from tandem.crm.forms import LoseForm
from tandem.crm.models import LostReason
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
