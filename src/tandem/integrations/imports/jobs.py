"""Background jobs of the import wizard (found by ``tandem.core.jobs``' autodiscovery)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_noop

from tandem.core.jobs import services as jobs
from tandem.core.jobs.models import Job
from tandem.core.messages import Message, counted, from_fields, ngettext_noop
from tandem.integrations.imports import services
from tandem.integrations.imports.models import ImportRun


def _run_of(job: Job) -> ImportRun:
    return ImportRun.objects.select_related("company", "user").get(pk=job.params["run"], company=job.company)


@jobs.handler("imports.read")
def read(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Read an uploaded file: its header, its rows counted, the first rows for the preview."""
    run = _run_of(job)
    run = services.read(run, job.user or run.user)  # type: ignore[arg-type]
    return {
        "message": counted(
            ngettext_noop("%(rows)s row read.", "%(rows)s rows read."),
            {"rows": run.row_count},
            "rows",
        ),
        "link": reverse("imports:preview", args=[run.pk]),
        "link_label": Message(gettext_noop("Check how the file reads")),
    }


@jobs.handler("imports.dry_run")
def dry_run(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Check every row of a large file (nothing is written)."""
    run = _run_of(job)
    run = services.dry_run(run, job.user or run.user, progress=progress)  # type: ignore[arg-type]
    counts = run.summary.get("counts", {})
    rows = run.summary.get("rows", 0)
    return {
        "message": counted(
            ngettext_noop(
                "%(rows)s row checked: %(new)s new, %(update)s updates, %(duplicate)s possible duplicates, "
                "%(error)s with errors.",
                "%(rows)s rows checked: %(new)s new, %(update)s updates, %(duplicate)s possible duplicates, "
                "%(error)s with errors.",
            ),
            {"rows": rows, **counts},
            "rows",
        ),
        "link": reverse("imports:run", args=[run.pk]),
        "link_label": Message(gettext_noop("Show the dry run")),
    }


@jobs.handler("imports.commit")
def commit(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Import a large file, in bulk writes."""
    run = _run_of(job)
    run = services.commit(run, job.user or run.user, progress=progress)  # type: ignore[arg-type]
    if run.state == ImportRun.State.REJECTED:
        message = from_fields(run.error, run.error_params)
    else:
        message = Message(gettext_noop("%(created)s created, %(updated)s updated, %(rejected)s rejected."), {
            "created": run.result.get("created", 0), "updated": run.result.get("updated", 0),
            "rejected": run.result.get("rejected", 0),
        })  # fmt: skip
    return {
        "message": message,
        "link": reverse("imports:run", args=[run.pk]),
        "link_label": Message(gettext_noop("Show the result")),
    }


@jobs.scheduled("imports.remove_old_files", every=timedelta(days=1))
def remove_old_files() -> Message:
    """Delete uploaded files and reports of imports older than TANDEM_IMPORT_KEEP_DAYS days."""
    return Message(
        gettext_noop("Files of %(count)d old imports removed."), {"count": services.remove_old_files()}
    )
