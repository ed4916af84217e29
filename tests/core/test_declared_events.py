"""Declared events: ``record`` refuses what no app declared, every name recorded in src/ is
declared, labels follow the reader's language, and the catalogue is served to integrators."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tandem.core import events
from tandem.core.models import Company, Event, User
from tandem.web.history import event_label

SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"
LITERAL_NAME = re.compile(r"""events\.record\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def test_an_undeclared_event_is_refused_and_nothing_is_written(company: Company) -> None:
    with pytest.raises(events.UndeclaredEvent, match=r"company\.renamed.*not declared.*events\.py"):
        events.record("company.renamed", company)
    assert not Event.objects.filter(name="company.renamed").exists()


def test_a_payload_field_the_declaration_does_not_name_is_refused(company: Company) -> None:
    with pytest.raises(events.UndeclaredEvent, match=r"payload fields.*password"):
        events.record("company.created", company, data={"name": "x", "password": "secret"})
    assert not Event.objects.filter(name="company.created", data__has_key="password").exists()


def test_every_event_name_recorded_in_src_is_declared() -> None:
    recorded = {
        name for path in SRC.rglob("*.py") for name in LITERAL_NAME.findall(path.read_text(encoding="utf-8"))
    }
    assert len(recorded) > 40  # the scan does find the calls
    assert sorted(name for name in recorded if events.declared(name) is None) == []


def test_the_names_built_at_run_time_are_declared() -> None:
    # job.<outcome> / job.<state> and user.(de|re)activated, user.two_factor_* are composed in code.
    for name in [
        "job.cancelled", "job.cancel_requested", "job.succeeded", "job.failed",
        "user.deactivated", "user.reactivated", "user.two_factor_disabled", "user.two_factor_reset",
    ]:  # fmt: skip
        assert events.declared(name) is not None, name


def test_the_timeline_label_is_the_declared_one_in_the_readers_language() -> None:
    with translation.override("en"):
        assert event_label("email.failed") == "E-mail could not be sent"
    with translation.override("ru"):
        russian = event_label("email.failed")
    assert russian != "E-mail could not be sent" and russian


def test_the_api_lists_the_catalogue_with_payload_fields(manager: User) -> None:
    client = APIClient()
    client.force_authenticate(manager)
    response = client.get("/api/v1/events/catalogue/?webhook=true")
    assert response.status_code == 200
    by_name = {row["name"]: row for row in response.json()}
    assert by_name["partner.created"]["payload"].keys() == {"name", "kind"}
    assert by_name["partner.created"]["label"] == "Created"
    assert "user.invited" not in by_name  # not published to webhooks
    everything = {row["name"] for row in client.get("/api/v1/events/catalogue/").json()}
    assert {"user.invited", "partner.created", "import.completed"} <= everything


def test_the_catalogue_needs_a_signed_in_caller() -> None:
    assert APIClient().get("/api/v1/events/catalogue/").status_code in (401, 403)


def test_two_different_declarations_of_one_name_are_a_configuration_error(
    declare_events: Callable[..., None],
) -> None:
    declare_events(events.EventType("test.twice", "Once"))
    with pytest.raises(Exception, match="declared twice"):
        events.declare(events.EventType("test.twice", "Twice"))
