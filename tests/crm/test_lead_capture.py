"""The public lead capture: a company's website posts a lead with its secret key, as an HTML
form (``/crm/capture/<key>/``) or JSON (``/api/v1/crm/lead-capture/``). The honeypot, the rate
limit per address, bad input and an unknown key are each refused with nothing written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tandem.core.models import Company, User
from tandem.crm.models import Lead
from tandem.crm.services import capture
from tests.kit.api import api_client, assert_problem
from tests.kit.views import signed_in

pytestmark = pytest.mark.django_db

FORM = {
    "contact_name": "Ewa Kowal",
    "company_name": "Hotel Morska",
    "email": "ewa@morska.pl",
    "need": "Chairs",
}


@pytest.fixture(autouse=True)
def _fresh_limits(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.TANDEM_LEAD_CAPTURE_LIMIT = "3/600"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key(company: Company) -> str:
    return capture.capture_key(company).key


def test_a_website_form_post_becomes_a_new_web_lead(company: Company, key: str, director: User) -> None:
    answer = Client().post(reverse("crm:lead_capture", args=[key]), {**FORM, "website": ""})
    assert answer.status_code == 201 and b"Thank you" in answer.content
    lead = Lead.objects.get()
    assert (lead.company, lead.source, lead.state, lead.title) == (company, "website", "new", "Hotel Morska")
    assert lead.email == "ewa@morska.pl" and lead.need == "Chairs" and lead.owner is None
    assert list(Lead.objects.visible_to(director)) == [lead]


def test_the_json_twin_takes_the_key_in_the_body(company: Company, key: str) -> None:
    answer = api_client(None).post(
        "/api/v1/crm/lead-capture/", {**FORM, "key": key, "budget": "900"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert Lead.objects.get(pk=answer.json()["id"]).budget == 900


def test_a_filled_honeypot_is_refused_and_nothing_written(key: str) -> None:
    answer = Client().post(reverse("crm:lead_capture", args=[key]), {**FORM, "website": "http://spam.test"})
    assert answer.status_code == 400
    api = api_client(None).post(
        "/api/v1/crm/lead-capture/", {**FORM, "key": key, "website": "x"}, format="json"
    )
    assert_problem(api, 400, "website")
    assert not Lead.objects.exists()


def test_an_unknown_key_is_a_404_and_nothing_written(key: str) -> None:
    assert Client().post(reverse("crm:lead_capture", args=["not-the-key"]), FORM).status_code == 404
    answer = api_client(None).post("/api/v1/crm/lead-capture/", {**FORM, "key": "nope"}, format="json")
    assert_problem(answer, 404)
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"contact_name": "No way to reach"}, "email"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@b.pl", "budget": "-3"}, "budget"),
        ({"email": "a@b.pl", "colour": "red"}, "colour"),
        ({"email": "a@b.pl", "timeline": "someday"}, "timeline"),
    ],
)
def test_bad_input_is_a_clear_400_naming_the_field(key: str, fields: dict, field: str) -> None:
    form = Client().post(reverse("crm:lead_capture", args=[key]), fields)
    assert form.status_code == 400 and field.encode() in form.content
    api = api_client(None).post("/api/v1/crm/lead-capture/", {**fields, "key": key}, format="json")
    assert_problem(api, 400, field)
    assert not Lead.objects.exists()


def test_one_address_posting_too_often_is_a_429(key: str) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [client.post(reverse("crm:lead_capture", args=[key]), FORM).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    other = Client(REMOTE_ADDR="203.0.113.8").post(reverse("crm:lead_capture", args=[key]), FORM)
    assert other.status_code == 201
    assert Lead.objects.count() == 4


def test_the_manager_sees_and_replaces_the_key(
    company: Company, key: str, manager: User, salesperson: User
) -> None:
    page = signed_in(manager).get(reverse("crm:capture_settings"))
    assert page.status_code == 200 and key in page.content.decode()
    assert signed_in(salesperson).get(reverse("crm:capture_settings")).status_code == 403
    signed_in(manager).post(reverse("crm:capture_settings"))
    assert Client().post(reverse("crm:lead_capture", args=[key]), FORM).status_code == 404
    fresh = capture.capture_key(company).key
    assert fresh != key and Client().post(reverse("crm:lead_capture", args=[fresh]), FORM).status_code == 201
