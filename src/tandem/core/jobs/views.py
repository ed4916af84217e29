"""Job pages: list, detail, the live progress partial, cancel; the schedules overview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_POST

from tandem.core.jobs import services
from tandem.core.jobs.models import Job, ScheduledRun
from tandem.core.messages import Message
from tandem.web.actions import Action, ActionView
from tandem.web.display import Column
from tandem.web.tables import Table

LIST_LIMIT = 100
RUNS_LIMIT = 50


def _progress(job: Job) -> str:
    if job.total is not None:
        return f"{job.done} / {job.total}"
    return str(job.done) if job.done else ""


JOB_COLUMNS = [
    Column("title", gettext_lazy("Job"), accessor="display_title", link=True),
    Column(
        "user", gettext_lazy("Started by"), accessor=lambda job: job.user.display_name() if job.user else None
    ),
    Column("created_at", gettext_lazy("Created")),
    Column("state", gettext_lazy("State")),
    Column("progress", gettext_lazy("Progress"), accessor=_progress, numeric=True),
]


def _job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user).select_related("user"), pk=pk)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Table(
        JOB_COLUMNS,
        Job.objects.visible_to(request.user).select_related("user")[:LIST_LIMIT],
        caption=gettext_lazy("Jobs"),
        empty=gettext_lazy("No jobs yet. Imports, exports and other long work appear here."),
    )
    return render(request, "jobs/list.html", {"title": _("Jobs"), "jobs": jobs})


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "jobs/detail.html", {"title": job.display_title, "job": job})


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone; htmx polls it every second until the job has finished."""
    job = _job(request, pk)
    response = render(request, "jobs/_progress_bar.html", {"job": job})
    response["Cache-Control"] = "no-store"
    return response


def _cancelled(job: Job) -> str:
    if job.state == Job.State.CANCELLED:
        return _("The job was cancelled.")
    return _("The job will stop at its next step.")


class JobActions(ActionView):
    """Cancel: the person who started the job, or an administrator (``Job.visible_to``)."""

    model = Job
    action = None
    url_name = "jobs:{name}"
    template_name = "jobs/_progress_bar.html"
    in_place = True  # htmx swaps the progress bar
    actions = [
        Action(
            "cancel",
            gettext_lazy("Cancel"),
            lambda request, job: services.cancel(job, request.user),
            done=_cancelled,
        )
    ]

    def permitted(self, action: Action) -> bool:
        return True

    def in_place_context(self, obj: Model, error: str) -> dict[str, Any]:
        return {"job": obj, "action_error": error}


@login_required
@permission_required("jobs.view_scheduledrun", raise_exception=True)
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    """Every schedule declared in code, with its last run and outcome (administrators)."""
    last = services.last_runs()
    rows: list[dict[str, Any]] = [
        {"schedule": schedule, "last": last.get(schedule.name)} for schedule in services.schedules()
    ]
    recent = ScheduledRun.objects.all()[:RUNS_LIMIT]
    return render(
        request, "jobs/schedules.html", {"title": _("Scheduled jobs"), "rows": rows, "recent": recent}
    )


@login_required
@permission_required("jobs.view_scheduledrun", raise_exception=True)
@require_POST
def check_worker(request: HttpRequest) -> HttpResponse:
    """Start a harmless job, to see the worker pick it up (administrators)."""
    company = getattr(request, "company", None)
    if company is None:
        messages.error(request, _("Choose a company to work in first."))
        return redirect("jobs:schedules")
    job = services.start(
        "jobs.check_worker",
        user=request.user,  # type: ignore[arg-type]
        company=company,
        title=Message(gettext_noop("Worker check")),
    )
    return redirect(job)
