"""Finding partners that are probably the same organisation or person.

Exact matches on tax ID, e-mail or phone are certain; names are compared after removing
legal-form words ("Ltd", "sp. z o.o.", "GmbH", "ООО", "有限公司"…) with rapidfuzz, over
candidates found through the search index (``core.search``): rows that hold every word of the
distinctive part of the name, or every word but one of which only half needs to match (one
typo), or whose distinctive part is the same. The candidates are few, so the check stays fast
and complete on big tables.

Reasons are codes (:data:`tandem.core.importing.DUPLICATE_REASONS`), turned into words in the
reader's language where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from rapidfuzz import fuzz

from tandem.core import search
from tandem.core.models import Company
from tandem.partners.models import Partner
from tandem.partners.names import core_name

NAME_SIMILARITY = 90
CANDIDATE_LIMIT = 300
PROBE_WORDS = 3  # the longest words of a name are the ones probed


@dataclass
class DuplicateMatch:
    partner: Partner
    reasons: list[str] = field(default_factory=list)  # codes: tax_id, email, phone, name


def find_duplicates(
    company: Company,
    *,
    name: str = "",
    email: str = "",
    phone: str = "",
    tax_id: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[DuplicateMatch]:
    matches: dict[int, DuplicateMatch] = {}
    rows = Partner.objects.filter(company=company, active=True)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    for value, field_name in [(tax_id, "tax_id"), (email, "email"), (phone, "phone")]:
        if value:
            for partner in rows.filter(**{field_name: value})[:limit]:
                matches.setdefault(partner.pk, DuplicateMatch(partner)).reasons.append(field_name)
    if name:
        for partner in _similar_names(rows, name):
            matches.setdefault(partner.pk, DuplicateMatch(partner)).reasons.append("name")
    return list(matches.values())[:limit]


def _similar_names(rows: QuerySet[Partner], name: str) -> list[Partner]:
    wanted = core_name(name)
    if len(wanted) < 3:
        return []
    probes = name_probes(wanted)
    candidates = Q(match_key=wanted)
    # every word first, alone: the likeliest duplicates must not lose their place to typo probes
    for alternatives in (probes[:1], probes[1:]):
        if alternatives:
            found = search.entries_with_any(Partner, alternatives).values_list("object_id", flat=True)
            candidates |= Q(pk__in=list(found[:CANDIDATE_LIMIT]))
    return [
        p for p in rows.filter(candidates) if fuzz.token_sort_ratio(wanted, p.match_key) >= NAME_SIMILARITY
    ]


def name_probes(core: str) -> list[tuple[str, ...]]:
    """Alternatives for the search index that every name this alike matches: all the (longest)
    words, and for each word of six letters or more, the others with only one half of it."""
    words = [search.indexed(w) for w in search.fold(core).split()]
    words = sorted({w for w in words if len(w) >= search.MIN_PART}, key=len, reverse=True)[:PROBE_WORDS]
    if not words:
        return []
    probes = [tuple(words)]
    for index, word in enumerate(words):
        if len(word) >= 2 * search.MIN_PART:
            others = words[:index] + words[index + 1 :]
            middle = len(word) // 2
            probes += [(*others, word[:middle]), (*others, word[middle:])]
    return probes
