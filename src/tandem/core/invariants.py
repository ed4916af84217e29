"""Ledger invariants: checks a ledger declares once and the test suite runs after every story.

A domain with a ledger declares its checks in its ``invariants.py``, found by autodiscovery
like ``jobs.py``::

    from tandem.core.invariants import register_invariant

    def posted_entries_balance() -> list[str]:
        return [f"entry {entry} is off by {entry.difference}" for entry in unbalanced_entries()]

    register_invariant("accounting: every posted entry balances", posted_entries_balance)

A check takes no arguments and returns the violations it found, as sentences (an empty list
when the books are right). The test suite's ``invariants`` fixture runs every registered
check after each story (``tests/stories/``) and each hypothesis property test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils.module_loading import autodiscover_modules

Check = Callable[[], list[str]]

_checks: dict[str, Check] = {}
_discovered = False


def register_invariant(name: str, check: Check) -> Check:
    """Register ``check`` under ``name``; a second check with the same name is a mistake."""
    if name in _checks and _checks[name] is not check:
        raise ValueError(f"An invariant named {name!r} is already registered.")
    _checks[name] = check
    return check


def registered() -> list[str]:
    _discover()
    return sorted(_checks)


def violations() -> dict[str, list[str]]:
    """Run every registered check; the names of the broken ones with what each found."""
    _discover()
    found = {name: list(check()) for name, check in sorted(_checks.items())}
    return {name: problems for name, problems in found.items() if problems}


def describe(broken: dict[str, list[str]]) -> str:
    lines = []
    for name, problems in broken.items():
        lines.append(f"Invariant broken: {name}")
        lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


@contextmanager
def temporarily(name: str, check: Check) -> Iterator[None]:
    """Register ``check`` for the duration of a block (tests of the mechanism itself)."""
    register_invariant(name, check)
    try:
        yield
    finally:
        _checks.pop(name, None)


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("invariants")
        _discovered = True
