"""A row lock takes the rows it names. On PostgreSQL, ``select_for_update()`` over a query with
``select_related`` locks every joined row too: posting an invoice locked its company and the
shared currency, so every posting of the company waited for the one before. A lock that joins
other tables names what it locks (``of=("self", …)``)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"


def _chain(node: ast.AST) -> list[ast.Call]:
    """The method calls of a chain like ``Model.objects.a().b().c()``, last first."""
    calls = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    return calls


def locks_taking_joined_rows(source: str) -> list[int]:
    """Lines of ``select_for_update()`` calls without ``of=`` chained with ``select_related``."""
    found: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        calls = _chain(node)
        names = {call.func.attr for call in calls}  # type: ignore[attr-defined]
        if "select_related" not in names:
            continue
        for call in calls:
            if call.func.attr == "select_for_update" and not any(k.arg == "of" for k in call.keywords):  # type: ignore[attr-defined]
                found.add(call.lineno)
    return sorted(found)


def test_no_row_lock_takes_the_rows_it_joins_unnamed() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{line}"
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
        for line in locks_taking_joined_rows(path.read_text())
    ]
    assert offenders == []


def test_the_check_finds_a_lock_that_joins_and_passes_one_that_names_its_rows() -> None:
    source = (
        "a = Invoice.objects.select_for_update().select_related('company').get(pk=1)\n"
        "b = Invoice.objects.select_related('company').select_for_update().get(pk=1)\n"
        "c = Invoice.objects.select_for_update(of=('self',)).select_related('company').get(pk=1)\n"
        "d = Invoice.objects.select_for_update().get(pk=1)\n"
    )
    assert locks_taking_joined_rows(source) == [1, 2]
