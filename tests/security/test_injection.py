"""Injection by look-alike characters: a homoglyph name (Cyrillic "Асmе" for Latin "Acme")
must not pass the duplicate check, through the service, the API or an import."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.core.errors import DuplicateFound
from tandem.partners.models import Partner
from tandem.partners.names import confusable_fold, core_name
from tandem.partners.services import create_partner

pytestmark = pytest.mark.django_db

# (existing name, look-alike typed later): each pair differs in at least one code point.
LOOK_ALIKES = [
    ("Acme Ltd", "Асmе Ltd"),  # Cyrillic А, с, е
    ("Acme Ltd", "ACME LTD"),
    ("Paypal Payments", "PayPaI Payments"),  # capital I for l
    ("Comfort Sofas", "C0mfort Sofas"),  # zero for o
    ("Oak Tables", "Οak Tables"),  # Greek Ο
    ("Nordic Chairs", "Nordіc Chairs"),  # Ukrainian і
    ("Kitchen World", "Ｋｉｔｃｈｅｎ Ｗｏｒｌｄ"),  # full-width
    ("Apex Timber", "Αрех Timber"),  # Greek Α, Cyrillic р, е, х
    ("Ромашка", "Pомашка"),  # Latin P in a Cyrillic name
]
DIFFERENT = [
    ("Acme Ltd", "Acne Ltd"),
    ("Nowak", "Kowal"),
    ("北京", "上海"),
    ("Łódź Meble", "Lodz Mebel Factory"),
]


@pytest.mark.parametrize(("existing", "typed"), LOOK_ALIKES)
def test_look_alike_names_fold_to_the_same_key(existing, typed):
    assert existing != typed
    assert core_name(existing) == core_name(typed)


@pytest.mark.parametrize(("existing", "typed"), DIFFERENT)
def test_different_names_keep_different_keys(existing, typed):
    assert core_name(existing) != core_name(typed)


def test_folding_is_stable():
    for _existing, typed in LOOK_ALIKES:
        assert confusable_fold(confusable_fold(typed)) == confusable_fold(typed)


@pytest.mark.parametrize(("existing", "typed"), LOOK_ALIKES)
def test_a_look_alike_of_an_existing_partner_is_refused_as_a_duplicate(existing, typed, company, manager):
    create_partner(company, manager, name=existing)
    with pytest.raises(DuplicateFound):
        create_partner(company, manager, name=typed)
    assert Partner.objects.count() == 1


@pytest.mark.parametrize(("existing", "typed"), LOOK_ALIKES[:3])
def test_the_api_answers_409_for_a_look_alike(existing, typed, company, manager, api_client_of):
    create_partner(company, manager, name=existing)
    response = api_client_of(manager).post("/api/v1/partners/partners/", {"name": typed}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["duplicates"]


def test_the_stored_key_of_a_look_alike_finds_the_plain_name(company, manager: Any):
    """The other way round: the homoglyph is in the database, the plain name is typed."""
    create_partner(company, manager, name="Асmе Ltd")
    with pytest.raises(DuplicateFound):
        create_partner(company, manager, name="Acme")
