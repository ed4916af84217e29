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


def test_the_rejected_rows_reasons_are_in_the_readers_language(
    run_import: Callable[..., ImportRun], manager: User, client: Any
) -> None:
    """The import ran in English (a worker, or a browser in English); the Polish speaker who
    ran it downloads the rejected rows and reads why in Polish."""
    manager.language = "pl"
    manager.save(update_fields=["language"])
    content = "ref;name;email\nR-1;;x@y.example\nR-2;Firm;y@z.example\n"
    with translation.override("en"):
        run = run_import(content, mode="valid")
    assert run.result["rejected"] == 1
    client.force_login(manager)
    response = client.get(f"/imports/{run.pk}/rejected.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    required = _in("pl", "This field is required.")
    assert required != "This field is required."
    assert required in text and "This field is required." not in text
    with translation.override("sl"):  # read later by a Slovenian colleague: in Slovenian
        assert _in("sl", "This field is required.") in imports.rejected_csv(run).decode("utf-8-sig")


def test_counted_messages_are_extracted_as_one_entry_with_its_plural(tmp_path: Any) -> None:
    """``makemessages`` (Tandem's, with ``--keyword=ngettext_noop:1,2``) gives a stored message
    with a number one entry with plural forms, not two singular entries."""
    import shutil
    import subprocess
    from pathlib import Path

    import tandem
    from tandem.core.management.commands.makemessages import Command
    from tandem.integrations.imports import jobs as import_jobs

    xgettext = shutil.which("xgettext")
    if xgettext is None:
        pytest.skip("xgettext (gettext) is not installed")
    out = tmp_path / "django.po"
    source = str(import_jobs.__file__)
    subprocess.run(
        [
            xgettext,
            "--language=Python",
            "--keyword=gettext_noop",
            *Command.xgettext_options,
            "-o",
            out,
            source,
        ],
        check=True,
    )
    extracted = out.read_text()
    assert 'msgid "%(rows)s row read."\nmsgid_plural "%(rows)s rows read."' in extracted
    assert '\nmsgid "%(rows)s rows read."' not in extracted
    marked_apart = [
        str(path)
        for path in Path(tandem.__file__).parent.rglob("*.py")
        if "plural=gettext_noop(" in path.read_text(encoding="utf-8")
    ]
    assert not marked_apart, "mark a counted message with ngettext_noop(singular, plural)"
