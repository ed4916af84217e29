"""The import engine: rows of a file through a spec, as a dry run or for real.

Plain functions, no request and no job: :mod:`tandem.integrations.imports.services` calls them
in a request for small files and from a background job for large ones. Work goes in chunks of
``CHUNK`` rows: cells are parsed by field kind, each row validated by the spec, the chunk's
keys matched in bulk, rules that depend on the match checked, new rows compared with the
duplicate index, and (for real) the chunk written in bulk by the spec.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from types import TracebackType
from typing import IO, Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core.cells import read_cell
from tandem.core.errors import BusinessError
from tandem.core.importing import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    Cleaned,
    ImportContext,
    ImportField,
    ImportSpec,
    Reason,
    RowInvalid,
    WriteCounts,
)
from tandem.core.messages import Message, counted, lazy, ngettext_noop, render, storable
from tandem.integrations.imports import parsing, reading
from tandem.integrations.imports.checked import CheckedRows, CheckedRowsMismatch, CheckedRowsWriter, RowCheck
from tandem.integrations.imports.parsing import AUTO, CellError, as_text

CHUNK = 2000
NEW, UPDATE, DUPLICATE, ERROR = "new", "update", "duplicate", "error"
STATUSES = (NEW, UPDATE, DUPLICATE, ERROR)
ALL_OR_NOTHING, VALID_ROWS = "all", "valid"


class Progress(Protocol):
    def set_total(self, total: int) -> None: ...
    def advance(self, k: int = 1) -> None: ...
    def raise_if_cancelled(self) -> None: ...


class NoProgress:
    """Progress for work done in the request: nothing to report, nothing to cancel."""

    def set_total(self, total: int) -> None:
        return None

    def advance(self, k: int = 1) -> None:
        return None

    def raise_if_cancelled(self) -> None:
        return None


class Spool:
    """Validated batches kept in a private temporary file until they are written together.

    An all-or-nothing import checks every row first (no transaction, no lock, progress
    visible), then writes the spooled batches in one short transaction. Pickle is safe here:
    the file is this process's own, created and read back by it.
    """

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self.rows = 0

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.file.close()

    def add(self, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]) -> None:
        pickle.dump((creates, updates), self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.rows += len(creates) + len(updates)

    def batches(self) -> Iterator[tuple[list[Cleaned], list[tuple[int, Cleaned]]]]:
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return


def write_spooled(
    spec: ImportSpec, ctx: ImportContext, spool: Spool, report: Report, progress: Progress | None = None
) -> None:
    """Write what :func:`run` spooled, then finish (``ImportSpec.finish``); the caller holds the
    transaction."""
    progress = progress or NoProgress()
    for creates, updates in spool.batches():
        report.written.add(spec.write(ctx, creates, updates))
        progress.advance(len(creates) + len(updates))
        progress.raise_if_cancelled()
    report.written.add(spec.finished(ctx))


class MappingInvalid(BusinessError):
    code = "import-mapping"


@dataclass
class Options:
    match_key: str
    date_order: str = AUTO
    decimal_separator: str = AUTO
    mode: str = ALL_OR_NOTHING
    skip_duplicates: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **extra: Any) -> Options:
        names = ("match_key", "date_order", "decimal_separator", "mode", "skip_duplicates")
        return cls(**{name: data[name] for name in names if name in data}, **extra)


@dataclass
class Report:
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    outcomes: list[list[Any]] = field(default_factory=list)  # [row number, status, detail]
    # (cells, the row's errors as stored messages): the reason column is written when the file
    # is downloaded, in the reader's language (``services.rejected_csv``)
    rejected: list[tuple[list[str], dict[str, list[Any]]]] = field(default_factory=list)
    written: WriteCounts = field(default_factory=WriteCounts)
    skipped: int = 0
    formats: dict[str, str] = field(default_factory=dict)

    def add(self, line: int, status: str, detail: dict[str, Any] | None = None) -> None:
        self.counts[status] += 1
        self.outcomes.append([line, status, detail or {}])

    def summary(self) -> dict[str, Any]:
        return {"rows": self.rows, "counts": self.counts, "formats": self.formats, "skipped": self.skipped}

    def result(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "created": self.written.created,
            "updated": self.written.updated,
            **self.written.extra,
            "rejected": self.counts[ERROR],
        }


def check_mapping(spec: ImportSpec, mapping: Mapping[int, str], match_key: str) -> None:
    """Refuse a mapping that leaves a required field without a column, or an unknown match key."""
    mapped = set(mapping.values())
    missing = [str(f.label) for f in spec.fields if f.required and f.name not in mapped]
    if missing:
        raise MappingInvalid(
            _("The file has no column for: %(fields)s. Add it to the file or map a column to it.")
            % {"fields": ", ".join(missing)}
        )
    try:
        spec.match_key(match_key)
    except KeyError:
        raise MappingInvalid(_("Choose how rows find existing records.")) from None


def key_is_mapped(spec: ImportSpec, mapping: Mapping[int, str], match_key: str) -> bool:
    """Without a column for the match key every row is new (and a second run duplicates)."""
    try:
        return spec.match_key(match_key).fields[0] in set(mapping.values())
    except KeyError:
        return False


# --- cells -----------------------------------------------------------------------------


def _choice_table(field_: ImportField) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in field_.choices:
        table[parsing.normalise_header(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                table.setdefault(parsing.normalise_header(str(label)), value)
    return table


def _converter(field_: ImportField, formats: Mapping[str, str]) -> Callable[[Any], Any]:
    if field_.kind == DECIMAL:
        separator = formats["decimal_separator"]
        return lambda value: parsing.parse_decimal(value, separator)
    if field_.kind == DATE:
        order = formats["date_order"]
        return lambda value: parsing.parse_date(value, order)
    if field_.kind == BOOL:
        return parsing.parse_bool
    if field_.kind == CHOICE:
        table = _choice_table(field_)

        def choice(value: Any) -> str:
            found = table.get(parsing.normalise_header(as_text(value)))
            if found is None:
                options = ", ".join(str(v) for v, _label in field_.choices)
                raise CellError(
                    _("“%(value)s” is not one of: %(options)s.")
                    % {"value": as_text(value), "options": options}
                )
            return found

        return choice
    limit = field_.max_length
    one_line = not field_.multiline

    def text(value: Any) -> str:
        result = as_text(value)
        if one_line and ("\n" in result or "\r" in result):
            raise CellError(
                _(
                    "Holds a line break, which this field cannot. In a CSV file this usually means "
                    "a quote is not closed and two rows were read as one."
                )
            )
        if limit is not None and len(result) > limit:
            raise CellError(
                _("At most %(limit)s characters (this has %(length)s).")
                % {"limit": limit, "length": len(result)}
            )
        return result

    return text


def resolve_formats(
    spec: ImportSpec, rows: Iterator[tuple[int, list[Any]]], mapping: Mapping[int, str], options: Options
) -> dict[str, str]:
    """The chosen formats, or the ones the file's own values prove where "automatic"."""
    formats = {"decimal_separator": options.decimal_separator, "date_order": options.date_order}
    kinds = {index: spec.field(name).kind for index, name in mapping.items()}
    wanted = {
        "decimal_separator": [i for i, k in kinds.items() if k == DECIMAL]
        if options.decimal_separator == AUTO
        else [],
        "date_order": [i for i, k in kinds.items() if k == DATE] if options.date_order == AUTO else [],
    }
    if not any(wanted.values()):
        return formats
    proofs: dict[str, set[str]] = {"decimal_separator": set(), "date_order": set()}
    evidence = {"decimal_separator": parsing.decimal_evidence, "date_order": parsing.date_evidence}
    for _line, cells in rows:
        for name, columns in wanted.items():
            for index in columns:
                if index < len(cells) and (proof := evidence[name](cells[index])) is not None:
                    proofs[name].add(proof)
    for name, found in proofs.items():
        if wanted[name] and len(found) == 1:
            formats[name] = found.pop()
    return formats


# --- the run ---------------------------------------------------------------------------


def _stored(errors: Mapping[str, list[Reason]]) -> dict[str, list[Any]]:
    """The errors to keep: field name → stored messages, shown by :func:`labelled_errors` (and
    in a rejected row's reason, :func:`reason`) in the reader's language."""
    return {name: [storable(message) for message in messages] for name, messages in errors.items()}


def reason(spec: ImportSpec, errors: Mapping[str, list[Any]]) -> str:
    """A rejected row's reason in the active language, from its kept errors."""
    return "; ".join(f"{label}: {' '.join(texts)}" for label, texts in labelled_errors(spec, errors))


def labelled_errors(spec: ImportSpec, errors: Mapping[str, list[Any]]) -> list[tuple[str, list[str]]]:
    """``[(field label, [reasons])]`` in the active language, from the kept errors (keyed by
    field name; older reports keyed by the label they were written with show as they are)."""
    labelled: dict[str, list[str]] = {}
    for name, messages in errors.items():
        try:
            label = str(spec.field(name).label)
        except KeyError:
            label = str(_("Row")) if name == "row" else name
        labelled.setdefault(label, []).extend(render(message) for message in messages)
    return list(labelled.items())


def run(
    spec: ImportSpec,
    ctx: ImportContext,
    data: bytes,
    source: reading.Source,
    mapping: Mapping[int, str],
    options: Options,
    *,
    write: bool,
    spool: Spool | None = None,
    progress: Progress | None = None,
    checked: CheckedRows | None = None,
    keep: CheckedRowsWriter | None = None,
) -> Report:
    """Go through every row; with ``write`` the valid rows are written batch by batch, or,
    with a ``spool``, kept there for :func:`write_spooled` (which stops at the first bad row).

    ``keep`` collects each row's own check (see :class:`_RowChecker`); a later run of the same
    file passes them back as ``checked`` instead of checking every row again. Matching, the
    rules that depend on it and duplicate hints are always worked out anew: the database may
    have changed in between."""
    progress = progress or NoProgress()
    progress.set_total(source.row_count)
    check_mapping(spec, mapping, options.match_key)
    report = Report()
    report.formats = resolve_formats(spec, reading.data_rows(data, source), mapping, options)
    columns = [
        (index, spec.field(name), _converter(spec.field(name), report.formats))
        for index, name in mapping.items()
    ]
    checker = _RowChecker(spec, ctx, columns, options.match_key, width=len(source.headers))
    ctx.match_key = options.match_key
    ctx.mapped = frozenset(mapping.values())
    spec.prepare(ctx)
    stored = checked.rows() if checked is not None else None
    rows = reading.data_rows(data, source)
    while chunk := list(islice(rows, CHUNK)):
        pending: list[tuple[int, list[Any], Cleaned, str | None]] = []
        for line, cells in chunk:
            report.rows += 1
            outcome = _stored_check(stored, line) if stored is not None else checker.check(line, cells)
            if keep is not None:
                keep.add(outcome)
            if outcome.errors:
                _reject(spec, report, line, cells, outcome.errors)
                continue
            pending.append((line, cells, outcome.cleaned, outcome.key))
        _match_chunk(spec, ctx, report, pending, options, write, spool)
        progress.advance(len(chunk))
        progress.raise_if_cancelled()
    if write:
        with transaction.atomic():
            report.written.add(spec.finished(ctx))
    report.outcomes.sort(key=lambda outcome: outcome[0])
    return report


class _RowChecker:
    """What a row is worth on its own: its cells typed, validated by the spec, its key
    unique in the file. For a spec with ``pure_validation`` this depends on the file and the
    run's settings only, so a dry run's results can stand in for it at the commit."""

    def __init__(
        self,
        spec: ImportSpec,
        ctx: ImportContext,
        columns: list[tuple[int, ImportField, Callable[[Any], Any]]],
        match_key: str,
        *,
        width: int,
    ) -> None:
        self.spec, self.ctx, self.columns, self.match_key = spec, ctx, columns, match_key
        self.width = width
        self.required = [f.name for f in spec.fields if f.required]
        self.seen_keys: dict[str, int] = {}

    def check(self, line: int, cells: list[Any]) -> RowCheck:
        """Every problem of the row at once: cells that cannot be typed do not hide the
        spec's findings on the others (a bad yes/no and a bad e-mail are both reported)."""
        row, errors = _convert(self.columns, cells)
        errors.update(self._shape_errors(cells))
        for name in self.required:
            if name not in row and name not in errors:
                errors[name] = [Message(gettext_noop("This field is required."))]
        if any(name in errors for name in self.required):
            return RowCheck(line, errors=errors)
        try:
            cleaned = self.spec.validate_row(self.ctx, row)
        except RowInvalid as exc:
            for name, messages in exc.errors.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            return RowCheck(line, errors=errors)
        key = self.spec.key_of(self.match_key, cleaned)
        if key is None:
            return RowCheck(line, cleaned=cleaned)
        if key in self.seen_keys:
            label = lazy(self.spec.match_key(self.match_key).label)
            message = Message(
                gettext_noop("Row %(line)s has the same %(key)s."),
                {"line": self.seen_keys[key], "key": label},
            )
            return RowCheck(line, errors={"row": [message]})
        self.seen_keys[key] = line
        return RowCheck(line, cleaned=cleaned, key=key)

    def _shape_errors(self, cells: list[Any]) -> dict[str, list[Reason]]:
        """Cells to the right of the last header would be dropped without a word."""
        extra = sum(1 for cell in cells[self.width :] if as_text(cell))
        if not extra:
            return {}
        message = counted(
            ngettext_noop(
                "The row has %(count)s cell beyond the header's %(width)s columns; it would be lost. "
                "A separator inside a value that is not quoted is the usual cause.",
                "The row has %(count)s cells beyond the header's %(width)s columns; they would be lost. "
                "A separator inside a value that is not quoted is the usual cause.",
            ),
            {"count": extra, "width": self.width},
            "count",
        )
        return {"row": [message]}


def _stored_check(stored: Iterator[RowCheck], line: int) -> RowCheck:
    outcome = next(stored, None)
    if outcome is None or outcome.line != line:
        raise CheckedRowsMismatch(line)
    return outcome


def _convert(
    columns: list[tuple[int, ImportField, Callable[[Any], Any]]], cells: list[Any]
) -> tuple[dict[str, Any], dict[str, list[Reason]]]:
    row: dict[str, Any] = {}
    errors: dict[str, list[Reason]] = {}
    for index, field_, convert in columns:
        if index >= len(cells):
            continue
        value = cells[index]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            row[field_.name] = convert(read_cell(value.strip()) if isinstance(value, str) else value)
        except CellError as exc:
            errors[field_.name] = [exc.stored]
    return row, errors


def _reject(
    spec: ImportSpec, report: Report, line: int, cells: list[Any], errors: Mapping[str, list[Reason]]
) -> None:
    stored = _stored(errors)
    report.add(line, ERROR, {"errors": stored})
    report.rejected.append(([as_text(cell) for cell in cells], stored))


def shown_values(spec: ImportSpec, cleaned: Cleaned) -> list[tuple[str, str]]:
    """``[(label, text)]`` of what a new row will hold, for the dry run's result."""
    shown = []
    for field_ in spec.fields:
        value = cleaned.get(field_.name)
        if value in (None, "", {}, []):
            continue
        if field_.kind == CHOICE:
            value = dict(field_.choices).get(str(value), value)
        shown.append((str(field_.label), _shown_text(value)))
    return shown


def _shown_text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(_shown_text(v) for k, v in value.items() if v not in (None, "") and k != "kind")
    if isinstance(value, list | tuple):
        return ", ".join(_shown_text(v) for v in value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return as_text(value)


def _match_chunk(
    spec: ImportSpec,
    ctx: ImportContext,
    report: Report,
    pending: list[tuple[int, list[Any], Cleaned, str | None]],
    options: Options,
    write: bool,
    spool: Spool | None,
) -> None:
    keys = [key for _line, _cells, _cleaned, key in pending if key is not None]
    existing = spec.find_existing(ctx, options.match_key, keys) if keys else {}
    creates: list[tuple[int, Cleaned]] = []
    updates: list[tuple[int, int, Cleaned]] = []
    for line, cells, cleaned, key in pending:
        pk = existing.get(key) if key is not None else None
        errors = spec.check_row(ctx, line, cleaned, pk)
        if errors:
            _reject(spec, report, line, cells, errors)
        elif pk is None:
            creates.append((line, cleaned))
        else:
            updates.append((line, pk, cleaned))
    duplicates = spec.find_duplicates(ctx, creates)
    ordered: list[tuple[int, str, dict[str, Any]]] = []
    for line, cleaned in creates:  # each row's own values (this read the last row's for every one)
        hints = duplicates.get(line)
        if hints:
            matches = [
                {"name": h.name, "url": h.url, "line": h.line, "reasons": list(h.reasons), "hidden": h.hidden}
                for h in hints
            ]
            ordered.append((line, DUPLICATE, {"matches": matches, "values": shown_values(spec, cleaned)}))
        else:
            ordered.append((line, NEW, {"values": shown_values(spec, cleaned)}))
    ordered += [(line, UPDATE, {"id": pk}) for line, pk, _cleaned in updates]
    for line, status, detail in ordered:
        report.add(line, status, detail)
    if not (write or spool is not None) or (options.mode == ALL_OR_NOTHING and report.counts[ERROR]):
        return
    skip = (
        {line for line, status, _detail in ordered if status == DUPLICATE}
        if options.skip_duplicates
        else set()
    )
    report.skipped += len(skip)
    to_create = [cleaned for line, cleaned in creates if line not in skip]
    to_update = [(pk, cleaned) for _line, pk, cleaned in updates]
    if spool is not None:
        spool.add(to_create, to_update)
    elif to_create or to_update:
        report.written.add(spec.write(ctx, to_create, to_update))
