"""Messages an import stores at run time are shown in the reader's language (issue 21)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.models import User
from tandem.integrations.imports import services as imports
from tandem.integrations.imports.models import ImportRun

pytestmark = pytest.mark.django_db

CSV = ("ref;name\n" + "".join(f"M-{i};Firm {i}\n" for i in range(12))).encode()


def _in(language: str, text: str, **params: Any) -> str:
    with translation.override(language):
        return gettext(text) % params if params else gettext(text)


class _CancelAtOnce:
    def set_total(self, total: int) -> None:
        pass

    def advance(self, k: int = 1) -> None:
        pass

    def raise_if_cancelled(self) -> None:
        raise jobs.JobCancelled


def test_a_job_title_and_result_are_read_in_the_readers_language(
    upload: Callable[..., ImportRun], manager: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 5
    with translation.override("ru"), django_capture_on_commit_callbacks(execute=False):
        run = imports.start_dry_run(upload(CSV), manager)  # started by a Russian speaker
    jobs.run(run.job_id)
    job = Job.objects.get(pk=run.job_id)

    polish_title = _in("pl", "Check %(file)s", file=run.file_name)
    assert polish_title != _in("ru", "Check %(file)s", file=run.file_name)
    with translation.override("pl"):
        assert job.display_title == polish_title
        assert job.link_label == _in("pl", "Show the dry run")
        stored = job.result["message"]
        expected = ngettext(stored["msgid"], stored["plural"], 12) % stored["params"]
        assert (stored["params"]["rows"], job.message) == (12, expected)


def test_an_import_run_says_why_it_failed_in_the_readers_language(
    upload: Callable[..., ImportRun], manager: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TANDEM_IMPORT_BACKGROUND_ROWS = 5
    run = imports.dry_run(upload(CSV), manager)
    with django_capture_on_commit_callbacks(execute=False):
        run = imports.start_commit(run, manager, mode="all")  # queued: the worker will run it
    with translation.override("ru"), pytest.raises(jobs.JobCancelled):
        imports.commit(ImportRun.objects.get(pk=run.pk), manager, progress=_CancelAtOnce())

    run = ImportRun.objects.get(pk=run.pk)
    with translation.override("zh-hans"):
        assert run.status_error == _in("zh-hans", "Cancelled. Nothing was imported.")


def test_row_reasons_are_read_in_the_readers_language(
    upload: Callable[..., ImportRun], manager: User, client: Any
) -> None:
    content = "ref;name;email;customer\nR-1;;x@y.example;yes\nR-2;Firm;not-an-email;maybe\n"
    with translation.override("ru"):  # checked by a Russian speaker
        run = imports.dry_run(upload(content), manager)
    with translation.override("pl"):  # read by a Polish one
        outcomes = {line: detail for line, _status, detail in imports.outcomes_of(run)}
        name, email = str(imports.get_spec(run.spec_key).field("name").label), gettext("E-mail")
    assert outcomes[2]["errors"][name] == [_in("pl", "This field is required.")]
    assert outcomes[3]["errors"][email] == [
        _in("pl", "“%(value)s” is not a valid email address", value="not-an-email")
    ]
    assert _in("pl", "“%(value)s” is neither yes nor no.", value="maybe") in str(outcomes[3]["errors"])
    assert _in("pl", "This field is required.") != "This field is required."
    client.force_login(manager)
    page = client.get(f"/imports/{run.pk}/?status=error", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert _in("pl", "This field is required.") in page and "Это поле" not in page
