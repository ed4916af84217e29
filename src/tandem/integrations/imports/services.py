"""Every write of the import wizard: upload, encoding, mapping, templates, dry run, commit.

Small files are checked and imported in the request; files above
``TANDEM_IMPORT_BACKGROUND_ROWS`` rows run as background jobs (``imports.dry_run``,
``imports.commit``) with a progress bar. An all-or-nothing commit runs in one transaction,
rolled back if any row is bad; "import the valid rows" commits batch by batch and keeps the
rejected rows as a CSV with a ``reason`` column. One ``import.completed`` event per import.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from importlib import metadata
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import events, states
from tandem.core.cells import safe_cell
from tandem.core.errors import BusinessError, Conflict, IllegalTransition, NotAllowed, ValidationFailed
from tandem.core.importing import ImportContext, ImportSpec, get_spec
from tandem.core.jobs import services as job_services
from tandem.core.messages import Message, as_fields, counted, ngettext_noop
from tandem.core.models import Company, User
from tandem.integrations.imports import checked, engine, mapping, parsing, reading
from tandem.integrations.imports.models import ImportMapping, ImportRun
from tandem.integrations.imports.parsing import as_text

REASON_HEADER = "reason"
SAMPLE_ROWS = 10  # kept by the reading job for the preview (the mapping shows the first three)
State = ImportRun.State


class _Rollback(Exception):
    def __init__(self, report: engine.Report) -> None:
        super().__init__("rows with errors")
        self.report = report


def spec_for(key: str, actor: User | Any) -> ImportSpec:
    """The spec, if the person may import it (add and change the records it writes)."""
    try:
        spec = get_spec(key)
    except LookupError:
        raise BusinessError(_("There is no such import.")) from None
    if not spec.allowed(actor):
        raise NotAllowed(_("You are not allowed to import %(what)s.") % {"what": spec.label})
    return spec


def background_rows() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_BACKGROUND_ROWS", 1000))


def languages(company: Company, actor: User | None) -> list[str]:
    """The languages whose encodings count as likely for this company's files."""
    found = [company.language, getattr(actor, "language", "") or "", settings.LANGUAGE_CODE]
    by_country = {"RU": "ru", "PL": "pl", "SI": "sl", "CN": "zh-hans"}
    if company.country in by_country:
        found.append(by_country[company.country])
    return [language for language in found if language]


# --- upload, encoding, mapping ---------------------------------------------------------


@transaction.atomic
def upload(
    company: Company,
    actor: User,
    *,
    spec_key: str,
    name: str,
    content: bytes,
    template: ImportMapping | None = None,
) -> ImportRun:
    """Screen the file and keep it; its rows are read by the ``imports.read`` job.

    Only checks that parse no row run here (:func:`reading.screen`), so a large valid file
    costs the request no more than a bad one; the mapping waits for the job.
    """
    spec = spec_for(spec_key, actor)
    if template is not None and (template.company_id != company.pk or template.spec_key != spec.key):
        raise NotAllowed(_("This mapping belongs to another company or import."))
    source = reading.screen(content, name, languages=languages(company, actor))
    run = ImportRun(
        company=company, user=actor, spec_key=spec.key, file_name=name[:255], size=len(content),
        kind=source.kind, encoding=source.encoding, detected_encoding=source.detected_encoding,
        delimiter=source.delimiter, options={"template": template.pk} if template is not None else {},
    )  # fmt: skip
    run.source.save("source", ContentFile(content), save=False)
    run.save()
    return _start_reading(run, actor, first=True)


def _start_reading(run: ImportRun, actor: User, *, first: bool = False) -> ImportRun:
    job = job_services.start(
        "imports.read", user=actor, company=run.company,
        title=Message(gettext_noop("Read %(file)s"), {"file": run.file_name}), params={"run": run.pk},
    )  # fmt: skip
    if first:  # created as reading: only the job is new
        ImportRun.objects.filter(pk=run.pk).update(job_id=job.pk)
        run.job_id = job.pk
    else:
        states.transition(run, "reading", actor, fields={"job_id": job.pk, **NO_ERROR})
    return run


def read(run: ImportRun, actor: User) -> ImportRun:
    """Read the whole file (the background job's work): headers, row count, the first rows,
    and the columns guessed (or taken from the run's template) when the headers changed."""
    spec = spec_for(run.spec_key, actor)
    content = content_of(run)
    source = reading.inspect(content, run.file_name, encoding=run.encoding, delimiter=run.delimiter)
    run.sample = [
        [as_text(cell) for cell in cells]
        for _line, cells in islice(reading.data_rows(content, source), SAMPLE_ROWS)
    ]
    if source.headers != run.headers or not run.mapping:
        template = ImportMapping.objects.filter(pk=run.options.get("template"), company=run.company).first()
        columns = mapping.guess(spec, source.headers, template.columns if template else None)
        options = _default_options(spec, columns)
        if template is not None:
            options.update({k: v for k, v in template.options.items() if k in options})
            options["template"] = template.pk
        run.mapping, run.options = _stored(columns), options
    run.headers, run.row_count = source.headers, source.row_count
    with transaction.atomic():
        run.save(update_fields=["sample", "mapping", "options", "headers", "row_count"])
        states.transition(run, "read", actor, fields=NO_ERROR)
    return run


def _default_options(spec: ImportSpec, columns: Mapping[int, str]) -> dict[str, Any]:
    """The first match key the file has a column for (else the spec's first)."""
    keys = [key.name for key in spec.match_keys if engine.key_is_mapped(spec, columns, key.name)]
    return {
        "match_key": (keys or [spec.match_keys[0].name])[0],
        "date_order": parsing.AUTO,
        "decimal_separator": parsing.AUTO,
    }


def _stored(columns: Mapping[int, str]) -> dict[str, str]:
    return {str(index): name for index, name in columns.items()}


def columns_of(run: ImportRun) -> dict[int, str]:
    return {int(index): name for index, name in run.mapping.items() if name}


def source_of(run: ImportRun) -> reading.Source:
    return reading.Source(
        kind=run.kind, encoding=run.encoding, detected_encoding=run.detected_encoding,
        delimiter=run.delimiter, headers=list(run.headers), row_count=run.row_count,
    )  # fmt: skip


def content_of(run: ImportRun) -> bytes:
    if not run.source:
        raise BusinessError(removed_message())
    with run.source.open("rb") as handle:
        return bytes(handle.read())


def removed_message() -> Message:
    return Message(
        gettext_noop("The file of this import was removed after %(days)s days. Upload it again."),
        {"days": keep_days()},
    )


def keep_days() -> int:
    return int(getattr(settings, "TANDEM_IMPORT_KEEP_DAYS", 30))


def remove_old_files(now: datetime | None = None) -> int:
    """Delete the files of imports nobody touched for ``TANDEM_IMPORT_KEEP_DAYS`` days.

    Uploaded files hold customers' data and the reports repeat it; the run itself stays as a
    record of who imported what (the event log has the figures too). A run that was never
    imported is marked failed, so that it says why it cannot go on.
    """
    cutoff = (now or timezone.now()) - timedelta(days=keep_days())
    stale = ImportRun.objects.filter(updated_at__lt=cutoff).exclude(source="").with_job()
    removed = 0
    for run in stale.iterator():
        if run.busy:
            continue
        with transaction.atomic():
            for stored in (run.source, run.outcomes, run.rejected, run.checked_rows):
                if stored:
                    stored.delete(save=False)
            run.checked_rows_mac, run.sample = "", []
            run.save(update_fields=[*REPORT_FIELDS, "source", "sample", "checked_rows_mac", "updated_at"])
            if run.state not in (State.DONE, State.FAILED):
                states.transition(run, "failed", fields=as_fields("error", removed_message()))
        removed += 1
    return removed


NO_ERROR = as_fields("error", "")
REPORT_FIELDS = ["summary", "result", "outcomes", "rejected", "checked_rows", "checked_rows_mac"]


def _editable(run: ImportRun) -> None:
    status = ImportRun.objects.with_job().get(pk=run.pk).status
    if status in ImportRun.BUSY:
        raise Conflict(_("This import is running; wait until it has finished."))
    if status == State.DONE:
        raise Conflict(_("This file has been imported already. Upload it again to import it once more."))


@transaction.atomic
def change_source(run: ImportRun, actor: User, *, encoding: str, delimiter: str) -> ImportRun:
    """Read the file again with another encoding or delimiter (in the ``imports.read`` job)."""
    _editable(run)
    if run.kind != reading.CSV:
        return run
    known = {code for code, _label in reading.ENCODINGS}
    if encoding not in known:
        raise ValidationFailed({"encoding": [_("Choose an encoding from the list.")]})
    if delimiter not in {mark for mark, _label in reading.DELIMITERS}:
        raise ValidationFailed({"delimiter": [_("Choose a delimiter from the list.")]})
    source = reading.screen(content_of(run), run.file_name, encoding=encoding, delimiter=delimiter)
    run.encoding, run.delimiter = source.encoding, source.delimiter
    run.summary = {}
    _drop_checked_rows(run)
    run.save(update_fields=["encoding", "delimiter", *REPORT_FIELDS])
    return _start_reading(run, actor)


@transaction.atomic
def set_mapping(
    run: ImportRun,
    actor: User,
    *,
    columns: Mapping[int, str],
    options: Mapping[str, Any],
    template_name: str = "",
) -> ImportRun:
    """Keep the column mapping and formats; with ``template_name`` also save them as a template."""
    _editable(run)
    spec = spec_for(run.spec_key, actor)
    clean = _clean_options(spec, options)
    columns = {index: name for index, name in columns.items() if name}
    names = list(columns.values())
    if len(names) != len(set(names)):
        raise engine.MappingInvalid(_("Each field can take one column only."))
    if any(index >= len(run.headers) for index in columns):
        raise engine.MappingInvalid(_("The mapping names a column the file does not have."))
    engine.check_mapping(spec, columns, clean["match_key"])
    run.mapping, run.options = _stored(columns), {**run.options, **clean}
    run.summary = {}
    _drop_checked_rows(run)
    if template_name.strip():
        template = save_template(
            run.company, actor, spec_key=spec.key, name=template_name,
            columns=mapping.as_template(run.headers, columns), options=clean,
        )  # fmt: skip
        run.options["template"] = template.pk
    run.save(update_fields=["mapping", "options", *REPORT_FIELDS])
    states.transition(run, "changed", actor)
    return run


def _clean_options(spec: ImportSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    clean = {
        "match_key": str(options.get("match_key") or spec.match_keys[0].name),
        "date_order": str(options.get("date_order") or parsing.AUTO),
        "decimal_separator": str(options.get("decimal_separator") or parsing.AUTO),
    }
    if clean["match_key"] not in {key.name for key in spec.match_keys}:
        raise ValidationFailed({"match_key": [_("Choose how rows find existing records.")]})
    if clean["date_order"] not in parsing.DATE_ORDERS:
        raise ValidationFailed({"date_order": [_("Choose a date format from the list.")]})
    if clean["decimal_separator"] not in parsing.DECIMAL_SEPARATORS:
        raise ValidationFailed({"decimal_separator": [_("Choose a decimal separator from the list.")]})
    return clean


@transaction.atomic
def save_template(
    company: Company,
    actor: User,
    *,
    spec_key: str,
    name: str,
    columns: Mapping[str, str],
    options: Mapping[str, Any],
) -> ImportMapping:
    spec_for(spec_key, actor)
    name = name.strip()[:100]
    if not name:
        raise ValidationFailed({"template_name": [_("Give the mapping a name.")]})
    template, created = ImportMapping.objects.update_or_create(
        company=company, spec_key=spec_key, name=name,
        defaults={"columns": dict(columns), "options": dict(options), "created_by": actor},
    )  # fmt: skip
    events.record("import.mapping_saved", template, actor, {"name": name, "import": spec_key, "new": created})
    return template


@transaction.atomic
def delete_template(template: ImportMapping, actor: User) -> None:
    spec_for(template.spec_key, actor)
    events.record(
        "import.mapping_deleted", template, actor, {"name": template.name, "import": template.spec_key}
    )
    template.delete()


# --- dry run and commit ----------------------------------------------------------------


def _context(run: ImportRun, actor: User) -> ImportContext:
    actor.active_company = run.company  # record rules (visible_to) apply in the run's company
    return ImportContext(company=run.company, actor=actor)


def _jobs() -> Any:
    try:
        from tandem.core.jobs import services as jobs
    except ImportError:  # pragma: no cover - the job machinery is part of core
        return None
    return jobs if hasattr(jobs, "start") else None


def start_dry_run(run: ImportRun, actor: User) -> ImportRun:
    """Check every row: in the request for a small file, as a background job for a large one."""
    _editable(run)
    spec_for(run.spec_key, actor)
    engine.check_mapping(get_spec(run.spec_key), columns_of(run), run.options.get("match_key", ""))
    jobs = _jobs()
    if jobs is None or run.row_count <= background_rows():
        ImportRun.objects.filter(pk=run.pk).update(job_id=None)  # an earlier job no longer speaks for it
        run.job_id = None
        return dry_run(run, actor)
    with transaction.atomic():
        job = jobs.start(
            "imports.dry_run", user=actor, company=run.company,
            title=Message(gettext_noop("Check %(file)s"), {"file": run.file_name}), params={"run": run.pk},
        )  # fmt: skip
        states.transition(run, "checking", actor, fields={"job_id": job.pk, **NO_ERROR})
    return run


def dry_run(run: ImportRun, actor: User, progress: engine.Progress | None = None) -> ImportRun:
    """Every row's outcome (new, update, possible duplicate, error) without writing anything.

    No transaction: the engine does not call a spec's writer on a dry run, and an open write
    transaction would hold SQLite's write lock (and hide the job's progress) for the whole file.
    """
    spec = spec_for(run.spec_key, actor)
    if run.state != State.CHECKING or run.job_id is None:  # a background check was marked when queued
        states.transition(run, "checking", actor, fields=NO_ERROR)
    options = engine.Options.from_dict(run.options)
    try:
        with contextlib.ExitStack() as stack:
            keep = stack.enter_context(checked.CheckedRowsWriter()) if spec.pure_validation else None
            report = _engine_run(spec, run, actor, options, False, progress, keep=keep)
            _keep_checked_rows(run, actor, keep)
    except BaseException as exc:
        _failed(run, exc)
        raise
    run.summary = report.summary()
    _keep_reports(run, report)
    with transaction.atomic():
        run.save(update_fields=REPORT_FIELDS)
        states.transition(run, "checked", actor, fields=NO_ERROR)
    return run


def _engine_run(
    spec: ImportSpec, run: ImportRun, actor: User, options: engine.Options, write: bool,
    progress: engine.Progress | None, *, ctx: ImportContext | None = None, spool: engine.Spool | None = None,
    reused: checked.CheckedRows | None = None, keep: checked.CheckedRowsWriter | None = None,
) -> engine.Report:  # fmt: skip
    return engine.run(
        spec, ctx or _context(run, actor), content_of(run), source_of(run), columns_of(run), options,
        write=write, spool=spool, progress=progress, checked=reused, keep=keep,
    )  # fmt: skip


# --- the dry run's row checks, reused by the commit ------------------------------------


def _fingerprint(run: ImportRun, actor: User) -> str:
    """Everything a row's own check may depend on besides the file's bytes."""
    company = run.company
    return json.dumps(
        {
            "import": run.spec_key, "mapping": run.mapping,
            "file": [run.source.name, run.kind, run.encoding, run.delimiter, run.row_count],
            "options": [run.options.get(name) for name in ("match_key", "date_order", "decimal_separator")],
            "company": [company.pk, company.country, company.currency_id, company.language],
            "actor": actor.pk, "language": translation.get_language(),
            "tandem": metadata.version("tandem-erp"),
        },
        sort_keys=True,
    )  # fmt: skip


def _keep_checked_rows(run: ImportRun, actor: User, keep: checked.CheckedRowsWriter | None) -> None:
    _drop_checked_rows(run)
    if keep is None:
        return
    content = keep.finish()
    run.checked_rows_mac = checked.mac(_fingerprint(run, actor), content)
    run.checked_rows.save("checked-rows.jsonl.gz", File(content), save=False)


def _drop_checked_rows(run: ImportRun) -> None:
    if run.checked_rows:
        run.checked_rows.delete(save=False)
    run.checked_rows_mac = ""


@contextlib.contextmanager
def _reusable_checks(spec: ImportSpec, run: ImportRun, actor: User) -> Iterator[checked.CheckedRows | None]:
    """The dry run's row checks if they still hold for this run, else None (check again)."""
    if not (spec.pure_validation and run.checked_rows and run.checked_rows_mac):
        yield None
        return
    with tempfile.TemporaryFile() as local:
        with run.checked_rows.open("rb") as stored:
            shutil.copyfileobj(stored, local)
        fits = checked.trusted(run.checked_rows_mac, _fingerprint(run, actor), local)
        yield checked.CheckedRows(local) if fits else None


class _Phases:
    """One progress bar over two passes of the file (check, then write)."""

    def __init__(self, progress: engine.Progress | None, phases: int = 2) -> None:
        self.progress = progress or engine.NoProgress()
        self.phases = phases
        self.started = False

    def set_total(self, total: int) -> None:
        if not self.started:
            self.progress.set_total(total * self.phases)
            self.started = True

    def advance(self, k: int = 1) -> None:
        self.progress.advance(k)

    def raise_if_cancelled(self) -> None:
        self.progress.raise_if_cancelled()


def start_commit(run: ImportRun, actor: User, *, mode: str, skip_duplicates: bool = False) -> ImportRun:
    _editable(run)
    spec_for(run.spec_key, actor)
    if mode not in ImportRun.Mode.values:
        raise ValidationFailed({"mode": [_("Choose how to import.")]})
    if run.state not in (State.CHECKED, State.REJECTED):
        raise Conflict(_("Check the file (dry run) before importing it."))
    # The claim: of two clicks (or two people) at once, one starts the import, the other is told.
    try:
        states.transition(
            run, "importing", actor,
            fields={"mode": mode, "skip_duplicates": skip_duplicates, "job_id": None, **NO_ERROR},
        )  # fmt: skip
    except IllegalTransition:
        raise Conflict(_("This import is running; wait until it has finished.")) from None
    jobs = _jobs()
    if jobs is None or run.row_count <= background_rows():
        return commit(run, actor)
    try:
        with transaction.atomic():
            job = jobs.start(
                "imports.commit", user=actor, company=run.company,
                title=Message(gettext_noop("Import %(file)s"), {"file": run.file_name}),
                params={"run": run.pk},
            )  # fmt: skip
            ImportRun.objects.filter(pk=run.pk).update(job_id=job.pk)
    except BaseException as exc:
        _failed(run, exc)
        raise
    run.refresh_from_db()
    return run


def commit(run: ImportRun, actor: User, progress: engine.Progress | None = None) -> ImportRun:
    """Import the file: all or nothing (the default), or the valid rows.

    All or nothing: one pass checks every row without locking anything and keeps the valid
    batches in a temporary file; a file with a bad row stops there, otherwise one transaction
    writes all the batches (a failure, e.g. a reference taken meanwhile, rolls back all of
    it). Valid rows: one pass, each batch committed on its own, bad rows kept for the
    rejected-rows file.

    The caller holds the run's claim (:func:`start_commit` set it to "importing").
    """
    spec = spec_for(run.spec_key, actor)
    if not ImportRun.objects.filter(pk=run.pk, state=State.IMPORTING).exists():
        raise Conflict(_("Start the import from its page (it is not waiting to be imported)."))
    options = engine.Options.from_dict(run.options, mode=run.mode, skip_duplicates=run.skip_duplicates)
    try:
        with _reusable_checks(spec, run, actor) as reused:
            if run.mode == ImportRun.Mode.ALL_OR_NOTHING:
                report = _all_or_nothing(spec, run, actor, options, progress, reused)
            else:
                _enlarge_sqlite_cache()
                report = _engine_run(spec, run, actor, options, True, progress, reused=reused)
                _completed(run, actor, report)
    except _Rollback as rollback:
        return _rejected(run, actor, rollback.report)
    except BaseException as exc:
        _failed(run, exc, kept=run.mode == ImportRun.Mode.VALID_ROWS)
        raise
    return run


def _all_or_nothing(
    spec: ImportSpec, run: ImportRun, actor: User, options: engine.Options, progress: engine.Progress | None,
    reused: checked.CheckedRows | None,
) -> engine.Report:  # fmt: skip
    """Check every row without a lock, keeping the valid batches; write them in one transaction."""
    phases, ctx = _Phases(progress), _context(run, actor)
    with engine.Spool() as spool:
        report = _engine_run(spec, run, actor, options, False, phases, ctx=ctx, spool=spool, reused=reused)
        if report.counts[engine.ERROR]:
            raise _Rollback(report)
        _enlarge_sqlite_cache()
        with transaction.atomic():
            engine.write_spooled(spec, ctx, spool, report, phases)
            _completed(run, actor, report)
    return report


def _enlarge_sqlite_cache() -> None:
    """128 MiB of page cache for this connection: with 100,000 partners their indexes outgrow
    SQLite's 2 MiB default and every insert would read index pages back from disk."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")


def _completed(run: ImportRun, actor: User, report: engine.Report) -> None:
    """Keep the reports and mark the run imported, in the transaction of its last write."""
    run.result, run.summary = report.result(), report.summary()
    _keep_reports(run, report)
    _drop_checked_rows(run)
    with transaction.atomic():
        run.save(update_fields=REPORT_FIELDS)
        states.transition(
            run, "completed", actor, fields=NO_ERROR,
            data={
                "import": run.spec_key, "file": run.file_name, "mode": run.mode, **report.result(),
                "imported_by": actor.get_username(), "source": "import",
            },
        )  # fmt: skip


def _rejected(run: ImportRun, actor: User, report: engine.Report) -> ImportRun:
    run.summary = report.summary()
    run.result = {**report.result(), "created": 0, "updated": 0}
    errors = report.counts[engine.ERROR]
    error = counted(
        ngettext_noop(
            "Nothing was imported: %(count)s row has errors. Fix it (download the rejected rows), "
            "or import the valid rows only.",
            "Nothing was imported: %(count)s rows have errors. Fix them (download the rejected rows), "
            "or import the valid rows only.",
        ),
        {"count": errors},
        "count",
    )
    _keep_reports(run, report)
    with transaction.atomic():
        run.save(update_fields=REPORT_FIELDS)
        states.transition(run, "rejected", actor, fields=as_fields("error", error))
    return run


def _failed(run: ImportRun, exc: BaseException, *, kept: bool = False) -> None:
    message: str | Message
    if isinstance(exc, BusinessError):
        message = exc.stored
    elif type(exc).__name__ == "JobCancelled":
        message = Message(
            gettext_noop("Cancelled. The rows imported before were kept; importing the file again is safe.")
            if kept
            else gettext_noop("Cancelled. Nothing was imported.")
        )
    else:
        message = Message(
            gettext_noop("The import stopped because of an unexpected error (%(error)s)."),
            {"error": type(exc).__name__},
        )
    with contextlib.suppress(IllegalTransition):  # failed already (say, by the sweeper): keep its reason
        states.transition(run, "failed", fields=as_fields("error", message))


def _keep_reports(run: ImportRun, report: engine.Report) -> None:
    outcomes = gzip.compress(json.dumps(report.outcomes, default=str).encode(), compresslevel=5)
    if run.outcomes:
        run.outcomes.delete(save=False)
    run.outcomes.save("outcomes.json.gz", ContentFile(outcomes), save=False)
    if run.rejected:
        run.rejected.delete(save=False)
    if report.rejected:
        # The cells and the errors as stored messages; the CSV is written when it is downloaded,
        # its reasons in the reader's language (``rejected_csv``).
        rejected = gzip.compress(json.dumps(report.rejected, default=str).encode(), compresslevel=5)
        run.rejected.save(REJECTED_ROWS, ContentFile(rejected), save=False)


REJECTED_ROWS = "rejected.json.gz"


def rejected_csv(run: ImportRun) -> bytes:
    """The rejected rows as they came, plus a ``reason`` column in the active language: fix
    them and import again. A run kept from before reasons were stored as messages holds the
    CSV itself, reasons in its writer's language, and is returned as it is."""
    with run.rejected.open("rb") as handle:
        content = handle.read()
    if not run.rejected.name.endswith(".json.gz"):
        return bytes(content)
    spec = get_spec(run.spec_key)
    rows = [(cells, engine.reason(spec, errors)) for cells, errors in json.loads(gzip.decompress(content))]
    headers = list(run.headers)
    width = max([len(headers), *(len(cells) for cells, _reason in rows)])
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([safe_cell(text) for text in [*headers, *[""] * (width - len(headers)), REASON_HEADER]])
    for cells, reason in rows:
        writer.writerow([safe_cell(text) for text in [*cells, *[""] * (width - len(cells)), reason]])
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def outcomes_of(run: ImportRun) -> list[list[Any]]:
    """``[row number, status, detail]`` of the last dry run or commit; an error's reasons as
    ``{field label: [reasons]}`` in the reader's language (they are kept as messages)."""
    if not run.outcomes:
        return []
    with run.outcomes.open("rb") as handle:
        outcomes = list(json.loads(gzip.decompress(handle.read())))
    spec = get_spec(run.spec_key)
    for _line, status, detail in outcomes:
        if status == engine.ERROR:
            detail["errors"] = dict(engine.labelled_errors(spec, detail.get("errors", {})))
    return outcomes
