"""Import runs (one uploaded file on its way through the wizard) and saved column mappings."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tandem.core.bases import CompanyOwned
from tandem.core.jobs.models import Job
from tandem.core.messages import render
from tandem.core.models import User
from tandem.core.querysets import CompanyQuerySet
from tandem.core.states import Transition

INTERRUPTED_AFTER = timedelta(minutes=15)  # in-request runs take seconds (see background_rows)


class ImportMapping(CompanyOwned):
    """A named, reusable column mapping for one kind of import in one company.

    ``columns`` maps a normalised header (``"email"``, ``"название"``) to a field name ("" to
    ignore that column); ``options`` holds the match key, date order and decimal separator.
    """

    spec_key = models.CharField(_("import of"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(_("columns"), default=dict)
    options = models.JSONField(_("options"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["company", "spec_key", "name"], name="imports_mapping_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportRunQuerySet(CompanyQuerySet):
    def visible_to(self, user: User | Any) -> Self:
        """Runs of the active company started by the user (administrators see every run)."""
        rows = super().visible_to(user)
        if not user.is_authenticated or user.is_superuser:
            return rows
        return rows.filter(user=user)

    def with_job(self) -> Self:
        """Each run with the state and error of its job, for :attr:`ImportRun.status` in lists."""
        job = Job.objects.filter(pk=models.OuterRef("job_id"))
        return self.annotate(
            job_state=models.Subquery(job.values("state")[:1]),
            job_error=models.Subquery(job.values("error")[:1]),
            job_error_params=models.Subquery(job.values("error_params")[:1]),
        )


def _source_path(run: ImportRun, filename: str) -> str:
    return f"imports/{run.company_id}/{uuid.uuid4().hex}/source"


def _report_path(run: ImportRun, filename: str) -> str:
    return f"imports/{run.company_id}/{uuid.uuid4().hex}/{filename}"


class ImportRun(CompanyOwned):
    """One file through upload → reading → encoding → mapping → dry run → commit.

    The upload request only screens and keeps the file; its rows are read (headers, count,
    the first rows) by the ``imports.read`` job, like the dry run and the commit.
    """

    class State(models.TextChoices):
        READING = "reading", _("Reading")
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    BUSY = (State.READING, State.CHECKING, State.IMPORTING)
    EVENT_PREFIX = "import"
    # A busy run whose work ended without it (see status) is stored as busy: it may be checked
    # or mapped again, which the services allow only when its status says it has failed.
    _RESTARTABLE = {State.UPLOADED, State.CHECKED, State.REJECTED, State.FAILED, *BUSY}
    TRANSITIONS = {
        "reading": Transition(_RESTARTABLE, State.READING),
        "read": Transition({State.READING}, State.UPLOADED),
        "changed": Transition(_RESTARTABLE, State.UPLOADED),
        "checking": Transition(_RESTARTABLE, State.CHECKING),
        "checked": Transition({State.CHECKING}, State.CHECKED),
        "importing": Transition({State.CHECKED, State.REJECTED}, State.IMPORTING),
        "completed": Transition({State.IMPORTING}, State.DONE),
        "rejected": Transition({State.IMPORTING}, State.REJECTED),
        "failed": Transition(_RESTARTABLE - {State.FAILED}, State.FAILED),
    }

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing: import only if every row is valid")
        VALID_ROWS = "valid", _("Import the valid rows and let me download the rejected ones")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    spec_key = models.CharField(_("import of"), max_length=64)
    file_name = models.CharField(_("file"), max_length=255)
    source = models.FileField(upload_to=_source_path, max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    kind = models.CharField(max_length=8)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    detected_encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=2, blank=True)
    headers = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first rows as text, for the preview and the mapping
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(default=dict)  # {column index (str): field name}
    options = models.JSONField(default=dict)  # match_key, date_order, decimal_separator
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    skip_duplicates = models.BooleanField(_("skip possible duplicates"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.READING)
    summary = models.JSONField(default=dict)  # of the last dry run
    result = models.JSONField(default=dict)  # of the commit
    error = models.TextField(blank=True)  # a msgid (see core.messages), or old rendered text
    error_params = models.JSONField(default=dict, blank=True)
    outcomes = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    rejected = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    # The dry run's row checks, reused by the commit while the MAC still fits (see .checked).
    checked_rows = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    checked_rows_mac = models.CharField(max_length=64, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)  # the running tandem.core.jobs Job, if any
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ImportRunQuerySet.as_manager()  # type: ignore[misc]  # its own record rules

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["company", "user", "-created_at"], name="imports_run_user_idx")]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("imports:run", args=[self.pk])

    @property
    def busy(self) -> bool:
        return self.status in self.BUSY

    @cached_property
    def _job_facts(self) -> tuple[str | None, str]:
        """``(state, error)`` of the run's job, the error in the reader's language; ``("", "")``
        if the job is gone."""
        if self.job_id is None:
            return None, ""
        if "job_state" in self.__dict__:  # annotated by with_job()
            facts = self.__dict__
            return facts["job_state"] or "", render(
                facts["job_error"] or "", _params(facts["job_error_params"])
            )
        found = Job.objects.filter(pk=self.job_id).values_list("state", "error", "error_params").first()
        return (found[0], render(found[1], found[2])) if found is not None else ("", "")

    @property
    def status(self) -> str:
        """The state as it really is: :func:`run_status` over the run and its job."""
        job_state, _error = self._job_facts
        return run_status(self.state, job_state, self.updated_at, timezone.now())[0]

    def get_status_display(self) -> str:
        return str(self.State(self.status).label)

    @property
    def status_error(self) -> str:
        """Why the run failed or was rejected, in the reader's language."""
        job_state, job_error = self._job_facts
        status, reason = run_status(self.state, job_state, self.updated_at, timezone.now())
        if reason == "interrupted":
            return gettext(
                "The work stopped before it finished (the server was restarted?). Check the file again; "
                "importing it again is safe, rows already imported match by their key."
            )
        if reason == Job.State.CANCELLED:
            return gettext("Cancelled. Nothing was imported.")
        if reason:
            return job_error or gettext("The job failed.")
        return (
            render(self.error, self.error_params)
            if status in (self.State.FAILED, self.State.REJECTED)
            else ""
        )


def _params(value: Any) -> dict[str, Any]:
    """JSON read through a subquery: a dict on PostgreSQL, its text on SQLite."""
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def run_status(
    state: str, job_state: str | None, updated_at: datetime | None, now: datetime
) -> tuple[str, str]:
    """``(status, reason)`` of an import run, from its stored state and its job's.

    A busy run is failed when its job ended without it (cancelled while queued, failed, or
    failed by the sweeper when its worker was lost: ``reason`` is the job's state) or, run in
    the request without a job, when it has not moved for INTERRUPTED_AFTER (``"interrupted"``).
    Pure: the same facts give the same status, and nothing is written when it is read.
    """
    if state not in ImportRun.BUSY:
        return state, ""
    if job_state is None:
        stopped = updated_at is not None and updated_at < now - INTERRUPTED_AFTER
        return (ImportRun.State.FAILED, "interrupted") if stopped else (state, "")
    if job_state in Job.ACTIVE_STATES:
        return state, ""
    return ImportRun.State.FAILED, job_state or Job.State.FAILED
