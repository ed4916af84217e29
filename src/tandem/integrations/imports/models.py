"""Import runs (one uploaded file on its way through the wizard) and saved column mappings."""

from __future__ import annotations

import uuid
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tandem.core.models import Company, User
from tandem.core.querysets import CompanyQuerySet


class ImportMapping(models.Model):
    """A named, reusable column mapping for one kind of import in one company.

    ``columns`` maps a normalised header (``"email"``, ``"название"``) to a field name ("" to
    ignore that column); ``options`` holds the match key, date order and decimal separator.
    """

    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
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

    objects = CompanyQuerySet.as_manager()

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


def _source_path(run: ImportRun, filename: str) -> str:
    return f"imports/{run.company_id}/{uuid.uuid4().hex}/source"


def _report_path(run: ImportRun, filename: str) -> str:
    return f"imports/{run.company_id}/{uuid.uuid4().hex}/{filename}"


class ImportRun(models.Model):
    """One file through upload → encoding → mapping → dry run → commit."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing: import only if every row is valid")
        VALID_ROWS = "valid", _("Import the valid rows and let me download the rejected ones")

    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
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
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    mapping = models.JSONField(default=dict)  # {column index (str): field name}
    options = models.JSONField(default=dict)  # match_key, date_order, decimal_separator
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    skip_duplicates = models.BooleanField(_("skip possible duplicates"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.UPLOADED)
    summary = models.JSONField(default=dict)  # of the last dry run
    result = models.JSONField(default=dict)  # of the commit
    error = models.TextField(blank=True)
    outcomes = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    rejected = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    # The dry run's row checks, reused by the commit while the MAC still fits (see .checked).
    checked_rows = models.FileField(upload_to=_report_path, max_length=255, blank=True)
    checked_rows_mac = models.CharField(max_length=64, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)  # the running tandem.core.jobs Job, if any
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ImportRunQuerySet.as_manager()

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
        return self.state in (self.State.CHECKING, self.State.IMPORTING)
