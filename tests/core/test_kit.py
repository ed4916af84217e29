"""The generic pieces domains build on: the versioned edit, the changed-rows writer, the model bases."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from tandem.core.bases import CompanyOwned, Versioned
from tandem.core.bulk import ChangedRows
from tandem.core.errors import StaleVersion, ValidationFailed
from tandem.core.models import Company, Event
from tandem.core.querysets import CompanyQuerySet
from tandem.core.versioning import update_versioned
from tandem.partners.models import Partner, Tag


@pytest.mark.django_db
def test_a_versioned_edit_applies_changes_bumps_the_version_and_records_the_diff(
    make_partner: Any, manager: Any, company: Any
) -> None:
    partner = make_partner("Nowak")
    tag = Tag.objects.create(company=company, name="VIP")

    changed = update_versioned(
        partner,
        manager,
        {"name": "Nowak SA", "tags": [tag]},
        expected_version=partner.version,
        event="partner.updated",
    )

    assert (changed.name, changed.version, list(changed.tags.all())) == (
        "Nowak SA",
        partner.version + 1,
        [tag],
    )
    event = Event.objects.filter(name="partner.updated").latest("id")
    assert event.data == {"changes": {"name": ["Nowak", "Nowak SA"], "tags": [[], ["VIP"]]}}


@pytest.mark.django_db
def test_a_stale_or_refused_versioned_edit_changes_nothing(make_partner: Any, manager: Any) -> None:
    partner = make_partner("Nowak")
    with pytest.raises(StaleVersion):
        update_versioned(
            partner, manager, {"name": "X"}, expected_version=partner.version - 1, event="partner.updated"
        )

    def refuse(changed: Partner) -> None:
        assert changed.name == "Y"  # the check sees the changed row
        raise ValidationFailed({"name": ["no"]})

    with pytest.raises(ValidationFailed):
        update_versioned(partner, manager, {"name": "Y"}, event="partner.updated", check=refuse)
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.name, stored.version) == ("Nowak", partner.version)


@pytest.mark.django_db
def test_changed_rows_writes_only_what_changed_in_one_update(make_partner: Any) -> None:
    first, second, third = (make_partner(name) for name in ("Alpha", "Beta", "Gamma"))
    rows = ChangedRows(Partner)
    for partner in Partner.objects.filter(pk__in=[first.pk, second.pk, third.pk]).order_by("pk"):
        values = {"name": partner.name, "website": "https://b.example"} if partner.pk == second.pk else {}
        values = {"name": "Alpha"} if partner.pk == first.pk else values
        rows.change(partner, values)
    with CaptureQueriesContext(connection) as queries:
        assert rows.write() == 1

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "partners_partner"')]
    assert [sql.split(" SET ")[1].count("CASE") for sql in updates] == [3]  # three columns
    stored = Partner.objects.get(pk=second.pk)
    assert (stored.website, stored.version) == ("https://b.example", second.version + 1)
    assert stored.updated_at > second.updated_at
    assert Partner.objects.get(pk=first.pk).version == first.version


@pytest.mark.django_db
def test_a_row_marked_twice_is_written_once_with_one_new_version(make_partner: Any) -> None:
    partner = Partner.objects.get(pk=make_partner("Alpha").pk)
    rows = ChangedRows(Partner)
    rows.mark(partner, rows.apply(partner, {"phone": "+386 1 234 56 78"}))
    rows.mark(partner)
    rows.write()
    assert Partner.objects.get(pk=partner.pk).version == 2


def test_company_owned_and_versioned_rows_use_the_bases() -> None:
    """A copied ``company`` foreign key with the company queryset, or a copied ``version``, is refused."""
    copies = []
    for model in apps.get_models():
        field = next((f for f in model._meta.local_fields if f.name == "company"), None)
        owned = type(field) is models.ForeignKey and field.related_model is Company and not field.null
        company_rows = isinstance(model._default_manager.get_queryset(), CompanyQuerySet)
        if owned and company_rows and not issubclass(model, CompanyOwned):
            copies.append(f"{model._meta.label}: company")
        if any(f.name == "version" for f in model._meta.local_fields) and not issubclass(model, Versioned):
            copies.append(f"{model._meta.label}: version")
    assert copies == []
