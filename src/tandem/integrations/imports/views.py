"""The import wizard: upload → encoding and preview → column mapping → dry run → commit → result.

Thin: parse the request, call :mod:`tandem.integrations.imports.services`, render. A run is
reached through ``ImportRun.objects.visible_to(user)`` (another company's or another person's
run is a 404) and every step needs the rights of its spec (add and change the records).
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from tandem.core.errors import BusinessError, NotAllowed
from tandem.core.importing import ImportSpec, specs
from tandem.integrations.imports import engine, forms, reading, services
from tandem.integrations.imports.models import ImportMapping, ImportRun
from tandem.web.actions import Action, ActionView

PREVIEW_ROWS = 10
SAMPLE_ROWS = 3
OUTCOMES_PER_PAGE = 100
RECENT_RUNS = 20


def _allowed_specs(request: HttpRequest) -> list[ImportSpec]:
    return [spec for spec in specs().values() if spec.allowed(request.user)]


def _spec(request: HttpRequest, key: str) -> ImportSpec:
    try:
        return services.spec_for(key, request.user)
    except NotAllowed:
        raise PermissionDenied from None
    except BusinessError:
        raise Http404 from None


def _run(request: HttpRequest, pk: int) -> tuple[ImportRun, ImportSpec]:
    run = get_object_or_404(ImportRun.objects.visible_to(request.user), pk=pk)
    return run, _spec(request, run.spec_key)


def _templates(request: HttpRequest, spec: ImportSpec) -> list[ImportMapping]:
    return list(ImportMapping.objects.visible_to(request.user).filter(spec_key=spec.key))


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponseBase:
    """Choose what to import (or go straight to it with ``?spec=``) and upload the file."""
    key = request.GET.get("spec") or request.POST.get("spec", "")
    if not key:
        allowed = _allowed_specs(request)
        if not allowed:
            raise PermissionDenied
        runs = ImportRun.objects.visible_to(request.user).with_job().select_related("user")[:RECENT_RUNS]
        return render(request, "imports/start.html", {"title": _("Import"), "specs": allowed, "runs": runs})
    spec = _spec(request, key)
    if getattr(request, "company", None) is None:
        raise PermissionDenied
    templates = _templates(request, spec)
    form = forms.UploadForm(request.POST or None, request.FILES or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = services.upload(
                request.company,  # type: ignore[attr-defined]
                request.user,  # type: ignore[arg-type]
                spec_key=spec.key,
                name=upload.name,
                content=upload.read(),
                template=form.cleaned_data.get("template"),
            )
        except BusinessError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("imports:preview", run.pk)
    runs = (
        ImportRun.objects.visible_to(request.user)
        .filter(spec_key=spec.key)
        .with_job()
        .select_related("user")[:RECENT_RUNS]
    )
    return render(
        request,
        "imports/upload.html",
        {"title": _("Import: %(what)s") % {"what": spec.label}, "spec": spec, "form": form, "runs": runs,
         "templates": templates, "step": 1},
    )  # fmt: skip


def _unread(
    request: HttpRequest, run: ImportRun, spec: ImportSpec, form: forms.SourceForm | None = None
) -> HttpResponse | None:
    """While the file is read in the background, the page that waits for it (asking for itself
    every two seconds, like the dry run's); if reading it failed, why (and, for a CSV, the
    encoding to try instead). None once it is read."""
    if run.headers and run.state != ImportRun.State.READING and run.source:
        # the waiting page's poll: load the page it waited for in full
        return HttpResponseClientRefresh() if getattr(request, "htmx", False) else None
    error = run.status_error if run.source else str(services.removed_message())
    return render(
        request,
        "imports/reading.html",
        {"title": _("Reading the file"), "run": run, "spec": spec, "job": _job_of(run), "step": 2,
         "form": form if run.source else None, "path": request.path, "error": error},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def preview(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The decoded first rows, with the encoding and delimiter to change if the text looks wrong."""
    run, spec = _run(request, pk)
    form = forms.SourceForm(
        request.POST or None, initial={"encoding": run.encoding, "delimiter": run.delimiter}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_source(run, request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The file is being read again."))
            return redirect("imports:preview", run.pk)
    if (waiting := _unread(request, run, spec, form)) is not None:
        return waiting
    return render(
        request,
        "imports/preview.html",
        {"title": _("Check how the file reads"), "run": run, "spec": spec, "form": form,
         "rows": run.sample[:PREVIEW_ROWS], "step": 2,
         "detected_label": dict(reading.ENCODINGS).get(run.detected_encoding, run.detected_encoding)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Which column holds which field, how rows find existing records, and the formats."""
    run, spec = _run(request, pk)
    if (waiting := _unread(request, run, spec)) is not None:
        return waiting
    form = forms.MappingForm(request.POST or None, run=run, spec=spec)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.set_mapping(
                run, request.user, columns=form.columns(), options=form.options(),  # type: ignore[arg-type]
                template_name=form.cleaned_data.get("save_as", ""),
            )  # fmt: skip
            run = services.start_dry_run(run, request.user)  # type: ignore[arg-type]
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("imports:run", run.pk)
    samples = run.sample[:SAMPLE_ROWS]
    columns = [
        (header, form[f"column_{index}"], [row[index] if index < len(row) else "" for row in samples])
        for index, header in enumerate(run.headers)
    ]
    return render(
        request,
        "imports/mapping.html",
        {"title": _("Match the columns"), "run": run, "spec": spec, "form": form, "columns": columns,
        "step": 3,
         "required": [f for f in spec.fields if f.required]},
    )  # fmt: skip


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run (every row's outcome, filterable) and the commit; or the progress; or the result."""
    run, spec = _run(request, pk)
    job = _job_of(run)
    context: dict[str, Any] = {
        "title": str(run),
        "run": run,
        "spec": spec,
        "job": job,
        "step": 5 if run.status == ImportRun.State.DONE else 4,
        "commit_form": forms.CommitForm(initial={"mode": run.mode, "skip_duplicates": run.skip_duplicates}),
        "templates": _templates(request, spec),
    }
    if not run.busy:
        status = request.GET.get("status", "")
        outcomes = services.outcomes_of(run)
        if status in engine.STATUSES:
            outcomes = [outcome for outcome in outcomes if outcome[1] == status]
        page = Paginator(outcomes, OUTCOMES_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            status=status, page=page, statuses=_status_links(request, run),
            counts=run.summary.get("counts", {}), result=run.result,
            match_key=_match_label(spec, run), formats=run.summary.get("formats", {}),
            key_unmapped=not engine.key_is_mapped(spec, services.columns_of(run),
            run.options.get("match_key", "")),
        )  # fmt: skip
    return render(request, "imports/run.html", context)


def _match_label(spec: ImportSpec, run: ImportRun) -> str:
    try:
        return str(spec.match_key(run.options.get("match_key", "")).label)
    except KeyError:
        return ""


def _status_links(request: HttpRequest, run: ImportRun) -> list[tuple[str, str, int, str]]:
    counts = run.summary.get("counts", {})
    labels = {
        engine.NEW: _("New"), engine.UPDATE: _("Updates"), engine.DUPLICATE: _("Possible duplicates"),
        engine.ERROR: _("Errors"),
    }  # fmt: skip
    base = reverse("imports:run", args=[run.pk])
    links = [("", str(_("All rows")), int(run.summary.get("rows", 0)), base)]
    links += [
        (status, str(label), int(counts.get(status, 0)), f"{base}?status={status}")
        for status, label in labels.items()
    ]
    return links


def _job_of(run: ImportRun) -> Any:
    if run.job_id is None:
        return None
    from tandem.core.jobs.models import Job

    return Job.objects.filter(pk=run.job_id).first()


@login_required
@require_POST
def commit(request: HttpRequest, pk: int) -> HttpResponseBase:
    run = _run(request, pk)[0]
    form = forms.CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how to import."))
        return redirect("imports:run", run.pk)
    try:
        run = services.start_commit(
            run,
            request.user,  # type: ignore[arg-type]
            mode=form.cleaned_data["mode"],
            skip_duplicates=form.cleaned_data["skip_duplicates"],
        )
    except BusinessError as exc:
        messages.error(request, exc.message)
    else:
        if run.state == ImportRun.State.DONE:
            messages.success(request, _("The file was imported."))
        elif run.state == ImportRun.State.REJECTED:
            messages.error(request, run.status_error)
    return redirect("imports:run", run.pk)


@login_required
def rejected(request: HttpRequest, pk: int) -> FileResponse:
    run = _run(request, pk)[0]
    if not run.rejected:
        raise Http404
    stem = run.file_name.rsplit(".", 1)[0] or "import"
    return FileResponse(
        io.BytesIO(services.rejected_csv(run)),  # reasons in the reader's language
        as_attachment=True,
        filename=f"{stem}-rejected.csv",
        content_type="text/csv; charset=utf-8",
    )


class MappingActions(ActionView):
    """Delete a saved column mapping (its owner's; the service checks the right to the import)."""

    model = ImportMapping
    action = None
    url_name = "imports:{name}"
    actions = [
        Action(
            "delete_template",
            gettext_lazy("Delete"),
            lambda request, template: services.delete_template(template, request.user),
            done=lambda template: _("The mapping “%(name)s” was deleted.") % {"name": template.name},
            confirm=gettext_lazy("Delete this mapping?"),
            style="outline-danger",
            route="delete",
        )
    ]

    def permitted(self, action: Action) -> bool:
        return True

    def object_url(self, obj: Model) -> str:
        return f"{reverse('imports:start')}?spec={obj.spec_key}"  # type: ignore[attr-defined]
