"""Dunning level pages from the kit's declared cases: list, page, create, edit (version, stale,
bad input), an auditor may look only, another company's level is not found; the daily run
reads the edited level."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from tandem.accounting import roles as book_roles
from tandem.accounting.models import DunningLevel
from tandem.accounting.services import dunning
from tandem.core import roles
from tandem.core.models import Company, User
from tests.kit.views import ViewCases

SEQUENCES = itertools.count(1)


class TestDunningLevelPages(ViewCases):
    model = DunningLevel
    namespace = "accounting"
    url_prefix = "dunning_level_"
    editor_role = roles.ACCOUNTANT
    reader_role = book_roles.AUDITOR
    create_data: dict[str, Any] = {
        "sequence": "90", "name": "Final notice", "days_overdue": "45", "fee": "15.00",
        "subject": "Final notice: {amount}", "body": "Dear {partner}, please pay {amount} now.",
        "send_email": True,
    }  # fmt: skip
    edit_changes = {"fee": Decimal("12.50"), "days_overdue": 40}
    stale_changes = {"fee": Decimal("99.00")}
    bad_input = [({"fee": "-1"}, "fee"), ({"days_overdue": "soon"}, "days_overdue")]

    def make(self, company: Company, actor: User | None, **fields: Any) -> DunningLevel:
        data: dict[str, Any] = {
            "sequence": next(SEQUENCES), "name": f"Reminder {next(SEQUENCES)}", "days_overdue": 10,
            "subject": "Reminder", "body": "Dear {partner}, {amount} is overdue.", "fee": Decimal("5.00"),
        }  # fmt: skip
        data.update(fields)
        return dunning.create_level(company, actor, **data)
