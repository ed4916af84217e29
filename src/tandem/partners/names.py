"""Keys that make partner names comparable for duplicate detection (search keys: ``core.text``)."""

from __future__ import annotations

import re

from tandem.core.text import KEY_LENGTH, name_key

LEGAL_FORMS = re.compile(
    r"\b(ltd|limited|llc|inc|corp|co|plc|gmbh|ag|kg|ohg|ug|sp\. ?z ?o\.? ?o\.?|s\.a\.|sa|spółka|"
    r"d\.o\.o\.|d\.d\.|s\.p\.|"
    r"ооо|оао|зао|пао|ао|ип)\b\.?|有限公司|有限责任公司|股份有限公司|公司",
    re.IGNORECASE,
)


def core_name(name: str) -> str:
    """The distinctive part of a name: case-folded, legal forms and punctuation removed."""
    stripped = LEGAL_FORMS.sub(" ", name_key(name))
    return " ".join(re.sub(r"[\"'«»„“”.,()]", " ", stripped).split())[:KEY_LENGTH]


def partner_keys(name: str) -> dict[str, str]:
    """The derived key columns of a partner, for ``save()`` and for bulk inserts that skip it."""
    return {"name_key": name_key(name), "match_key": core_name(name)}
