"""Keys that make partner names comparable for duplicate detection (search keys: ``core.text``)."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

from tandem.core.text import KEY_LENGTH, name_key

LEGAL_FORMS = re.compile(
    r"\b(ltd|limited|llc|inc|corp|co|plc|gmbh|ag|kg|ohg|ug|sp\. ?z ?o\.? ?o\.?|s\.a\.|sa|spółka|"
    r"d\.o\.o\.|d\.d\.|s\.p\.|"
    r"ооо|оао|зао|пао|ао|ип)\b\.?|有限公司|有限责任公司|股份有限公司|公司",
    re.IGNORECASE,
)


def core_name(name: str) -> str:
    """The distinctive part of a name: case-folded, legal forms and punctuation removed, and
    look-alike letters folded together (Cyrillic "Асmе" has the key of Latin "Acme")."""
    # Folded before case-folding, so a capital I standing in for a lowercase l is caught.
    stripped = LEGAL_FORMS.sub(" ", " ".join(name.split()))
    words = " ".join(re.sub(r"[\"'«»„“”.,()]", " ", stripped).split())
    return confusable_fold(words)[:KEY_LENGTH]


def confusable_fold(text: str) -> str:
    """``text`` with every character replaced by one representative of the characters it can
    be confused with (a skeleton in the sense of Unicode TS #39, over single characters),
    after compatibility decomposition (full-width "Ａ" is "A"), then case-folded and mapped
    again: "Асmе", "Acme", "ＡＣＭＥ" and "ACME" fold alike.

    Comparing folded keys, not raw names, is what stops homoglyph look-alikes passing a
    duplicate check. Multi-character look-alikes ("rn" for "m") are left alone.
    """
    table = _confusable_table()
    folded = unicodedata.normalize("NFKD", text).translate(table).casefold()  # NFKD: full-width too
    return unicodedata.normalize("NFC", folded.translate(table))


@cache
def _confusable_table() -> dict[int, str]:
    """Unicode's confusables (confusables.txt, as shipped by ``confusable-homoglyphs``).

    The package keeps the pairs without their direction, so each group of characters that
    are confusable with one another is mapped to one representative: a lowercase ASCII letter
    if the group has one, else an ASCII letter, else any ASCII character, else the lowest
    code point. Any fixed choice works, since only equality of folded keys matters.
    """
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    parent: dict[str, str] = {}

    def root(char: str) -> str:
        while parent.setdefault(char, char) != char:
            parent[char] = parent[parent[char]]
            char = parent[char]
        return char

    for char, looks in data.items():
        for look in looks:
            if len(char) == 1 and len(look["c"]) == 1:
                parent[root(char)] = root(look["c"])
    groups: dict[str, list[str]] = {}
    for char in parent:
        groups.setdefault(root(char), []).append(char)
    table: dict[int, str] = {}
    for members in groups.values():
        representative = min(members, key=_preference)
        table.update({ord(char): representative for char in members if char != representative})
    return table


def _preference(char: str) -> tuple[int, int]:
    if char.isascii() and char.isalpha():
        return (0 if char.islower() else 1, ord(char))
    return (2 if char.isascii() else 3, ord(char))


def partner_keys(name: str) -> dict[str, str]:
    """The derived key columns of a partner, for ``save()`` and for bulk inserts that skip it."""
    return {"name_key": name_key(name), "match_key": core_name(name)}
