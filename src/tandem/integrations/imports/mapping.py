"""Which column holds which field: guessed from the headers in the five UI languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from django.conf import settings
from django.utils import translation

from tandem.core.importing import ImportSpec, get_spec
from tandem.integrations.imports.parsing import normalise_header

IGNORED_HEADERS = frozenset({"reason", "причина", "powód", "razlog", "原因"})


@lru_cache(maxsize=32)
def header_names(spec_key: str) -> dict[str, str]:
    """``{normalised header: field name}`` from names, labels in every UI language and aliases.

    A field's own name or label wins over another field's alias: "Customer" is the label of
    the yes/no field, even though people also head a column of names "customer".
    """
    spec = get_spec(spec_key)
    names: dict[str, str] = {}
    for field in spec.fields:
        names.setdefault(normalise_header(field.name), field.name)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.setdefault(normalise_header(str(field.label)), field.name)
    for field in spec.fields:
        for alias in field.aliases:
            names.setdefault(normalise_header(alias), field.name)
    return names


def guess(
    spec: ImportSpec, headers: Sequence[str], template: Mapping[str, str] | None = None
) -> dict[int, str]:
    """``{column index: field name}``; each field at most once, the leftmost column first.

    A saved template's columns (normalised header → field, "" for ignored) win over guesses.
    """
    known = header_names(spec.key)
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if template is not None and key in template:
            name = template[key]
        elif key in IGNORED_HEADERS:
            continue
        else:
            name = known.get(key, "")
        if name and name not in used and _is_field(spec, name):
            mapping[index] = name
            used.add(name)
    return mapping


def _is_field(spec: ImportSpec, name: str) -> bool:
    return any(field.name == name for field in spec.fields)


def as_template(headers: Sequence[str], mapping: Mapping[int, str]) -> dict[str, str]:
    """The mapping keyed by normalised header, to apply to another file with the same headers."""
    return {normalise_header(header): mapping.get(index, "") for index, header in enumerate(headers)}
