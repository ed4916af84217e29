"""Call events from the phone system: the signature (unsigned, wrong, stale: a 401 with nothing
written), matching by E.164 number, the salesperson told while the phone rings, one call
activity per call however often an event is sent, a stranger's number, the recording kept as
data (an https link only)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from tandem.core.models import Company, Event, User
from tandem.core.notifications.models import Notification
from tandem.crm import calls
from tandem.crm.models import Activity, Communication, Lead, safe_recording_url
from tandem.partners.models import Partner
from tests.kit.api import api_client

pytestmark = pytest.mark.django_db

URL_NAME = "api-crm-call-event-receive"


@pytest.fixture
def secret(company: Company, manager: User) -> str:
    return calls.rotate_secret(company, manager)


@pytest.fixture
def caller(make_partner: Callable[..., Partner], salesperson: User) -> Partner:
    return make_partner("Meble Nowak", actor=salesperson, phone="+48 22 123 45 67")


def _post(
    company: Company, body: Any, secret: str | None, *, at: float | None = None, header: str | None = None
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {}
    if header is not None:
        headers["HTTP_X_TANDEM_SIGNATURE"] = header
    elif secret is not None:
        headers["HTTP_X_TANDEM_SIGNATURE"] = calls.sign(secret, int(at or time.time()), raw)
    url = reverse(URL_NAME, kwargs={"company": company.code})
    return api_client(None).generic("POST", url, raw, content_type="application/json", **headers)


def _event(event: str, **fields: Any) -> dict[str, Any]:
    return {
        "call_id": "call-1", "event": event, "direction": "inbound", "caller": "+48221234567",
        "callee": "+48225550000", "started_at": "2026-12-01T10:00:00+00:00", **fields,
    }  # fmt: skip


def _counts() -> tuple[int, int, int, int]:
    return (
        Communication.objects.count(),
        Activity.objects.count(),
        Notification.objects.count(),
        Event.objects.filter(name="activity.logged").count(),
    )


def test_a_ringing_phone_tells_the_salesperson_and_the_ended_call_is_logged_once(
    company: Company, secret: str, caller: Partner, salesperson: User
) -> None:
    ringing = _post(company, _event("ringing"), secret)
    assert ringing.status_code == 200, ringing.content
    assert ringing.json() == {"call_id": "call-1", "status": "ringing", "matched": True}
    note = Notification.objects.get(recipient=salesperson, kind=calls.INCOMING_CALL_KIND)
    assert note.title == "Incoming call from Meble Nowak"
    assert note.link == caller.get_absolute_url()
    url = "https://pbx.example.com/rec/1.mp3"
    for _ in range(2):  # the provider retries: the same events, logged once
        assert _post(company, _event("ringing"), secret).status_code == 200
        ended = _post(company, _event("ended", duration=125, recording_url=url), secret)
        assert ended.status_code == 200, ended.content
    call = Communication.objects.get()
    activity = Activity.objects.get()
    assert (call.status, call.duration_seconds, call.recording_url, call.partner) == (
        "ended",
        125,
        url,
        caller,
    )
    assert call.activity == activity and call.recording_link == url
    assert (activity.kind, activity.state, activity.partner, activity.assignee) == (
        "call", "done", caller, salesperson,
    )  # fmt: skip
    assert activity.duration == 3 and activity.subject == "Call from Meble Nowak"
    assert Notification.objects.filter(kind=calls.INCOMING_CALL_KIND).count() == 1
    logged = Event.objects.get(name="activity.logged")
    assert logged.partner_id == caller.pk  # on the customer's timeline


def test_a_contact_persons_call_lands_on_the_organisations_card(
    company: Company, secret: str, make_partner: Callable[..., Partner], salesperson: User
) -> None:
    organisation = make_partner("Meble Nowak", actor=salesperson)
    person = make_partner(
        "Ewa Nowak", actor=salesperson, kind="person", organisation=organisation, mobile="+48 601 234 567"
    )
    assert person.mobile == "+48601234567"
    _post(company, _event("missed", caller="+48601234567"), secret)
    activity = Activity.objects.get()
    assert activity.partner == organisation and activity.outcome == "Missed"


@pytest.mark.parametrize(
    "how", ["unsigned", "wrong secret", "too old", "from the future", "tampered body", "garbage header"]
)
def test_a_call_event_not_signed_by_the_company_is_refused_with_nothing_written(
    company: Company, secret: str, caller: Partner, how: str
) -> None:
    before = _counts()
    body = json.dumps(_event("ended", duration=10)).encode()
    now = int(time.time())
    header = {
        "unsigned": None,
        "wrong secret": calls.sign("not-the-secret", now, body),
        "too old": calls.sign(secret, now - 301, body),
        # well past the 300 s window: a slow test machine must not bring it back inside
        "from the future": calls.sign(secret, now + 3600, body),
        "tampered body": calls.sign(secret, now, body.replace(b"10", b"99")),
        "garbage header": "v1=,t=abc",
    }[how]
    response = _post(company, body, None, header=header) if header else _post(company, body, None)
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert _counts() == before


def test_another_companys_secret_does_not_sign_for_this_company(
    company: Company, other_company: Company, secret: str, caller: Partner
) -> None:
    theirs = calls.rotate_secret(other_company, None)
    assert _post(company, _event("ended"), theirs).status_code == 401
    assert _post(other_company, _event("ended"), secret).status_code == 401
    unknown = reverse(URL_NAME, kwargs={"company": "nobody"})
    raw = json.dumps(_event("ended")).encode()
    response = api_client(None).generic(
        "POST", unknown, raw, content_type="application/json",
        HTTP_X_TANDEM_SIGNATURE=calls.sign(secret, int(time.time()), raw),
    )  # fmt: skip
    assert response.status_code == 401
    assert Communication.objects.count() == 0


def test_a_new_secret_retires_the_old_one(company: Company, secret: str, caller: Partner) -> None:
    calls.rotate_secret(company, None)
    assert _post(company, _event("ended"), secret).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event": "exploded"}, "event"),
        ({"direction": "sideways"}, "direction"),
        ({"duration": -1}, "duration"),
        ({"duration": "10"}, "duration"),
        ({"recording_url": "http://pbx.example.com/1.mp3"}, "recording_url"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"recording_url": "https://user:pw@pbx.example.com/1.mp3"}, "recording_url"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"call_id": ""}, "call_id"),
        ({"extra": 1}, "non_field_errors"),
    ],
)
def test_a_signed_but_bad_event_is_a_clear_400_with_nothing_written(
    company: Company, secret: str, caller: Partner, change: dict[str, Any], field: str
) -> None:
    before = _counts()
    response = _post(company, {**_event("ended"), **change}, secret)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert _counts() == before


def test_a_body_that_is_not_json_is_a_400_and_a_huge_one_a_413(company: Company, secret: str) -> None:
    for body in (b"{not json", b"\xff\xfe", b"[1, 2]"):
        assert _post(company, body, secret).status_code == 400
    huge = json.dumps(_event("ended", call_id="x" * 20_000)).encode()
    assert _post(company, huge, secret).status_code == 413
    assert Communication.objects.count() == 0


def test_an_unknown_number_is_kept_and_opens_a_lead_once(company: Company, secret: str) -> None:
    for _ in range(2):
        _post(company, _event("ringing", caller="+386 1 400 12 34"), secret)
        _post(company, _event("ended", caller="+386 1 400 12 34", duration=30), secret)
    call = Communication.objects.get()
    assert call.partner is None and call.activity is None and call.sender == "+38614001234"
    lead = Lead.objects.get()
    assert (lead.phone, lead.source, lead.source_ref, call.lead) == ("+38614001234", "call", "call-1", lead)
    assert Notification.objects.count() == 0 and Activity.objects.count() == 0


def test_an_outbound_call_is_matched_by_the_number_called(
    company: Company, secret: str, caller: Partner
) -> None:
    event = _event("ended", direction="outbound", caller="+48225550000", callee="0048221234567", duration=61)
    assert _post(company, event, secret).status_code == 200
    activity = Activity.objects.get()
    assert activity.subject == "Call to Meble Nowak" and activity.duration == 2
    assert Notification.objects.count() == 0


def test_a_recording_is_only_ever_an_https_link() -> None:
    assert safe_recording_url("https://pbx.example.com/r.mp3") == "https://pbx.example.com/r.mp3"
    for bad in (
        "http://x/r",
        "javascript:alert(1)",
        "https://",
        "https://a b/c",
        "ftp://x/y",
        "//x/y",
        "x" * 600,
    ):
        assert safe_recording_url(bad) == ""


def test_the_schema_documents_the_call_event_endpoint(admin: User) -> None:
    response = api_client(admin).get("/api/schema/?format=json")
    operation = response.json()["paths"]["/api/v1/crm/call-events/{company}/"]["post"]
    assert operation["operationId"] == "crm_call_events_create"
    assert "X-Tandem-Signature" in {p["name"] for p in operation["parameters"]}
    assert operation.get("security") in ([], [{}], None)


def test_settings_page_makes_a_secret_once(company: Company, manager: User, salesperson: User) -> None:
    from django.test import Client

    client = Client()
    client.force_login(manager)
    page = client.get(reverse("crm:call_settings"))
    assert page.status_code == 200 and b"/api/v1/crm/call-events/tandem/" in page.content
    made = client.post(reverse("crm:call_settings"))
    secret = company.callsettings_set.get().secret
    assert secret.encode() in made.content
    assert secret.encode() not in client.get(reverse("crm:call_settings")).content
    seller = Client()
    seller.force_login(salesperson)
    assert seller.get(reverse("crm:call_settings")).status_code == 403
