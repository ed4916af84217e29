"""Migration 0016: companies whose taxes were installed before tax groups existed get the
groups installing the template makes now — the same names, order and members — taxes typed by
hand keep no group, and a group the company made itself by that name is the one taken."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tandem.accounting.models import Tax, TaxGroup
from tandem.accounting.services import charts, taxes
from tandem.core.models import Company
from tests.accounting.conftest import DAY

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("tandem.accounting.migrations.0016_group_taxes_installed_before_groups")


def _groups(company: Company) -> list[tuple[str, int, list[str]]]:
    return [
        (group.name, group.sequence, sorted(t.name for t in group.taxes.all()))
        for group in TaxGroup.objects.filter(company=company).order_by("sequence", "name")
    ]


def test_ungrouped_template_taxes_get_the_groups_installing_makes(
    company: Company, other_company: Company
) -> None:
    charts.install_chart(other_company, None, "ifrs", today=DAY)
    taxes.install_taxes(other_company, None, "SI")
    installed_now = _groups(other_company)  # what installing the template makes today
    assert installed_now and all(members for _name, _seq, members in installed_now)

    charts.install_chart(company, None, "ifrs", today=DAY)
    taxes.install_taxes(company, None, "SI")
    by_hand = taxes.create_tax(company, None, name="Tourist tax", use="sale", computation="fixed", amount=2)
    mine = TaxGroup.objects.get(company=company, name="DDV 9.5 %")
    Tax.objects.filter(company=company).update(group=None)  # as installed before groups existed
    TaxGroup.objects.filter(company=company).exclude(pk=mine.pk).delete()

    MIGRATION.group_installed_taxes(apps, None)

    assert _groups(company) == installed_now
    assert TaxGroup.objects.get(company=company, name="DDV 9.5 %").pk == mine.pk  # kept, not made twice
    by_hand.refresh_from_db()
    assert by_hand.group_id is None
    assert _groups(other_company) == installed_now  # a company grouped already: untouched
    MIGRATION.group_installed_taxes(apps, None)  # once more: nothing changes
    assert _groups(company) == installed_now
