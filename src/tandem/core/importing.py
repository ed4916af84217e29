"""The import contract: what a domain declares so that the import machinery can load it.

A domain lists what of it can be imported in ``<app>/imports.py`` as
``SPECS = [ImportSpec(...), …]``; :func:`specs` discovers them from every installed app, the
way :mod:`tandem.core.roles` discovers grants. The machinery
(:mod:`tandem.integrations.imports`) reads the file, maps its columns to the spec's
:class:`ImportField` s, parses each cell by the field's ``kind`` (locale-aware numbers and
dates, yes/no, choices) and then drives the spec, chunk by chunk:

1. ``prepare(ctx)`` once: load what validation needs in bulk (existing keys, units, …) into
   ``ctx.cache``; never one query per row.
2. ``validate_row(ctx, row) -> cleaned``: ``row`` holds the non-empty mapped cells, already
   typed; returns the normalised values or raises :class:`RowInvalid` with errors per field.
3. ``key_of(match_key, cleaned)``: the row's value for the chosen match key (``None``: no key,
   the row creates a new record).
4. ``find_existing(ctx, match_key, keys) -> {key: pk}``: existing records for a chunk's keys.
5. ``check_row(ctx, line, cleaned, existing_pk) -> errors``: rules that depend on the match
   (uniqueness of other identifiers, rights on the matched record).
6. ``find_duplicates(ctx, [(line, cleaned)]) -> {line: [DuplicateHint]}`` for new rows.
7. ``write_batch(company, actor, creates, updates) -> {"created": n, "updated": n, …}``: the
   domain's bulk service itself (``partners.services.import_partners``), writing a batch
   (``updates`` are ``(pk, cleaned)``); per-record events are not recorded, the machinery
   records one ``import.completed`` event per import. :meth:`ImportSpec.write` calls it.
8. ``finish(company, actor) -> {name: n}`` once, after the last batch of an import that wrote
   (in its transaction when all or nothing): for what needs the whole file, never a batch of it
   (the opening balances are posted there, when they balance).

Empty cells are left out of ``row``: on an update they leave the stored value unchanged.

A spec declares ``pure_validation=True`` when ``validate_row`` depends on nothing but the
row, the company's settings and the import's options — not on the database, nor on what
``prepare`` loaded, nor on rows above it. The commit then reuses the rows its dry run
validated instead of validating them again (matching, ``check_row``, duplicate hints and the
writes are always done anew).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from tandem.core.messages import Message
from tandem.core.models import Company, User

TEXT = "text"
DECIMAL = "decimal"
DATE = "date"
BOOL = "bool"
CHOICE = "choice"
REFERENCE = "reference"
KINDS = (TEXT, DECIMAL, DATE, BOOL, CHOICE, REFERENCE)


@dataclass(frozen=True)
class ImportField:
    """One column a spec understands.

    ``aliases`` are header names people use for it in the five UI languages (en, ru, pl, sl,
    zh-Hans) beyond ``name`` and the translated ``label``; they are compared after
    normalisation (case, spaces, punctuation). ``choices`` are ``(value, label)`` pairs for
    ``kind=CHOICE``; a cell may hold the value or the label in any UI language. A ``TEXT``
    field holds one line unless ``multiline``: a line break in it is a row error (in a CSV
    file it is what an unclosed quote leaves behind).
    """

    name: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: str = TEXT
    max_length: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    help_text: Any = ""
    multiline: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown import field kind {self.kind!r}")


@dataclass(frozen=True)
class MatchKey:
    """A way to find the existing record a row stands for: one or more fields' values."""

    name: str
    label: Any
    fields: tuple[str, ...]


Reason = str | Message  # why a row cannot be imported: a Message is translated for each reader


class RowInvalid(Exception):
    """A row that cannot be imported; ``errors`` maps a field name (or ``"row"``) to reasons."""

    def __init__(self, errors: dict[str, list[Reason]]) -> None:
        super().__init__("; ".join(str(m) for messages in errors.values() for m in messages))
        self.errors = errors


DUPLICATE_REASONS = {
    "tax_id": _("same tax ID"),
    "email": _("same e-mail"),
    "phone": _("same phone"),
    "name": _("very similar name"),
}


def duplicate_reasons(codes: Iterable[str]) -> list[str]:
    """The reasons of a duplicate hint in the active language (older reports stored words)."""
    return [str(DUPLICATE_REASONS.get(code, code)) for code in codes]


@dataclass(frozen=True)
class DuplicateHint:
    """A record (or an earlier row of the same file) a new row probably duplicates."""

    name: str
    reasons: tuple[str, ...]  # codes of DUPLICATE_REASONS, stored as such and translated when shown
    pk: int | None = None
    url: str = ""
    line: int | None = None
    hidden: bool = False  # a record the importing person may not open: no name, id or reasons


@dataclass
class ImportContext:
    """What one import run knows: whose company, who imports, which columns are mapped."""

    company: Company
    actor: User | None
    mapped: frozenset[str] = frozenset()
    match_key: str = ""
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> WriteCounts:
        """From a bulk service's ``{"created": n, "updated": n, <anything else>: n}``."""
        extra = {name: count for name, count in counts.items() if name not in ("created", "updated")}
        return cls(created=counts["created"], updated=counts["updated"], extra=extra)

    def add(self, other: WriteCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        for name, count in other.extra.items():
            self.extra[name] = self.extra.get(name, 0) + count


Cleaned = dict[str, Any]


def _no_preparation(ctx: ImportContext) -> None:
    return None


def _nothing_to_finish(company: Company, actor: User | None) -> dict[str, int]:
    return {}


def _no_checks(
    ctx: ImportContext, line: int, cleaned: Cleaned, existing: int | None
) -> dict[str, list[Reason]]:
    return {}


def _no_duplicates(ctx: ImportContext, rows: Sequence[tuple[int, Cleaned]]) -> dict[int, list[DuplicateHint]]:
    return {}


@dataclass(frozen=True)
class ImportSpec:
    """What of a domain can be imported, declared once in ``<domain>/imports.py``."""

    key: str  # "partners.partner"
    label: Any
    model: str  # "partners.Partner": where the list's Import button appears
    permissions: tuple[str, ...]  # every one is needed to import ("partners.add_partner", …)
    fields: tuple[ImportField, ...]
    match_keys: tuple[MatchKey, ...]
    validate_row: Callable[[ImportContext, dict[str, Any]], Cleaned]
    find_existing: Callable[[ImportContext, str, list[str]], dict[str, int]]
    write_batch: Callable[[Company, User | None, list[Cleaned], list[tuple[int, Cleaned]]], dict[str, int]]
    prepare: Callable[[ImportContext], None] = _no_preparation
    check_row: Callable[[ImportContext, int, Cleaned, int | None], dict[str, list[Reason]]] = _no_checks
    find_duplicates: Callable[
        [ImportContext, Sequence[tuple[int, Cleaned]]], dict[int, list[DuplicateHint]]
    ] = _no_duplicates
    finish: Callable[[Company, User | None], dict[str, int]] = _nothing_to_finish
    make_key: Callable[[str, Cleaned], str | None] | None = None  # instead of joining the fields
    pure_validation: bool = False  # see the module's docstring
    description: Any = ""
    list_url: str = ""  # URL name of the records' list, linked from the result

    def write(
        self, ctx: ImportContext, creates: list[Cleaned], updates: list[tuple[int, Cleaned]]
    ) -> WriteCounts:
        return WriteCounts.from_counts(self.write_batch(ctx.company, ctx.actor, creates, updates))

    def finished(self, ctx: ImportContext) -> WriteCounts:
        return WriteCounts(extra=self.finish(ctx.company, ctx.actor))

    def field(self, name: str) -> ImportField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def match_key(self, name: str) -> MatchKey:
        for candidate in self.match_keys:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def key_of(self, match_key: str, cleaned: Cleaned) -> str | None:
        """The row's key: the match key's field values joined, or None if one is empty."""
        if self.make_key is not None:
            return self.make_key(match_key, cleaned)
        parts = []
        for name in self.match_key(match_key).fields:
            value = cleaned.get(name)
            if value in (None, ""):
                return None
            parts.append(str(value))
        return "\x1f".join(parts)

    def allowed(self, user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False)) and all(
            user.has_perm(permission) for permission in self.permissions
        )


_registry: dict[str, ImportSpec] | None = None


def specs() -> dict[str, ImportSpec]:
    """``{key: spec}`` from every Tandem app's ``imports`` module (``SPECS``), in app order."""
    global _registry
    if _registry is None:
        found: dict[str, ImportSpec] = {}
        for config in apps.get_app_configs():
            if not config.name.startswith("tandem."):
                continue
            module_name = f"{config.name}.imports"
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            for spec in getattr(module, "SPECS", ()):
                if spec.key in found:
                    raise LookupError(f"import spec {spec.key!r} is declared twice")
                found[spec.key] = spec
        _registry = found
    return _registry


def get_spec(key: str) -> ImportSpec:
    try:
        return specs()[key]
    except KeyError:
        raise LookupError(f"no import spec {key!r}") from None


def specs_for_model(label: str) -> list[ImportSpec]:
    """The specs whose records live in ``label`` (``"partners.Partner"``)."""
    return [spec for spec in specs().values() if spec.model.lower() == label.lower()]
