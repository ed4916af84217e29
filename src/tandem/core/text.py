"""Text keys every domain uses to search and sort names through an index."""

from __future__ import annotations

KEY_LENGTH = 200  # the width of the indexed key columns; case-folding can lengthen a name


def name_key(name: str) -> str:
    """Search key: case-folded with collapsed whitespace, so prefix lookups use an index."""
    return " ".join(name.casefold().split())[:KEY_LENGTH]
