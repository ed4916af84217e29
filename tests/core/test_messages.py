"""Run-time messages are stored as a msgid and parameters and shown in the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.messages import Message, render
from tandem.core.models import User
from tandem.core.notifications import services as notifications
from tandem.core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _in(language: str, text: str, **params: Any) -> str:
    with translation.override(language):
        return gettext(text) % params if params else gettext(text)


def test_a_job_error_is_read_in_the_readers_language(salesperson: User) -> None:
    job = Job.objects.create(kind="tests.gone", title="Old", company=salesperson.active_company)
    with translation.override("ru"):
        jobs.run(job.pk)
    job.refresh_from_db()
    with translation.override("sl"):
        assert job.display_error == _in("sl", "This kind of job is not known to the worker.")
    assert job.display_error == "This kind of job is not known to the worker."


def test_old_rows_with_rendered_text_are_shown_as_they_are() -> None:
    job = Job(title="Импорт clients.csv", error="Строка 7 без имени.", result={"message": "Готово"})
    with translation.override("pl"):
        assert (job.display_title, job.display_error, job.message) == (
            "Импорт clients.csv", "Строка 7 без имени.", "Готово",
        )  # fmt: skip
    assert render({"msgid": "Import %(file)s", "params": {"file": "a.csv"}}) == "Import a.csv"


def test_a_message_whose_translation_lost_a_placeholder_falls_back_to_english(monkeypatch: Any) -> None:
    monkeypatch.setattr("tandem.core.messages.gettext", lambda text: "Импорт %(missing)s")
    assert str(Message(gettext_noop("Import %(file)s"), {"file": "a.csv"})) == "Import a.csv"


def test_a_notification_is_written_in_each_recipients_language(make_user: Callable[..., User]) -> None:
    polish, slovene = make_user("ola", language="pl"), make_user("jan", language="sl")
    with translation.override("ru"):
        notifications.notify(
            [polish, slovene], kind="tests", title=Message(gettext_noop("Webhook to %(url)s was disabled"),
                                                              {"url": "https://x.example"}),
        )  # fmt: skip
    titles = dict(Notification.objects.values_list("recipient__username", "title"))
    assert titles == {
        "ola": _in("pl", "Webhook to %(url)s was disabled", url="https://x.example"),
        "jan": _in("sl", "Webhook to %(url)s was disabled", url="https://x.example"),
    }


def test_a_scheduled_runs_message_is_read_in_the_readers_language(admin: User, client: Any) -> None:
    with translation.override("ru"):  # the beat worker runs in Russian
        run = jobs.run_scheduled("jobs.purge_history")
        missing = jobs.run_scheduled("tests.no-such-schedule")
    assert run.message == "%(count)d old scheduled runs deleted."  # the msgid, not Russian text
    with translation.override("sl"):
        assert run.display_message == _in("sl", "%(count)d old scheduled runs deleted.", count=0)
        assert missing.display_message == _in("sl", "No schedule of this name is declared.")
    assert _in("sl", "No schedule of this name is declared.") != "No schedule of this name is declared."
    client.force_login(admin)
    page = client.get("/jobs/schedules/", HTTP_ACCEPT_LANGUAGE="sl").content.decode()
    assert _in("sl", "%(count)d old scheduled runs deleted.", count=0) in page
