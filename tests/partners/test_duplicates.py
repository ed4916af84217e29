"""The duplicate hint finds real duplicates however many names share their first letters."""

from __future__ import annotations

import pytest
from django.db import transaction

from tandem.core.bulk import RowInserter
from tandem.core.models import Company
from tandem.partners.duplicates import find_duplicates
from tandem.partners.models import Partner
from tandem.partners.names import partner_keys

pytestmark = pytest.mark.django_db


def _bulk(company: Company, names: list[str]) -> list[int]:
    rows = [{"company_id": company.pk, "name": n, **partner_keys(n)} for n in names]
    with transaction.atomic():
        return RowInserter(Partner).insert(rows)


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Kowalski Meble Sp. z o.o.", "KOWALSKI MEBLE"),  # another legal form
        ("Kowalski Meble Sp. z o.o.", "Kowalsky Meble"),  # one typo
        ("Meble Kowalski", "Kowalski Meble"),  # words in another order
    ],
)
def test_a_duplicate_behind_hundreds_of_names_with_its_prefix_is_found(
    company: Company, existing: str, typed: str
) -> None:
    _bulk(company, [f"Kowa {n:04d}" for n in range(400)] + [f"Meb {n:04d}" for n in range(400)])
    (pk,) = _bulk(company, [existing])
    matches = find_duplicates(company, name=typed)
    assert [(m.partner.pk, m.reasons) for m in matches] == [(pk, ["name"])]


def test_unalike_names_are_not_duplicates(company: Company) -> None:
    _bulk(company, ["Kowalski Meble", "Nowak Okna"])
    assert find_duplicates(company, name="Kowalczyk Stal") == []
