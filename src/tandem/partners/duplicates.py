"""Finding partners that are probably the same organisation or person.

Exact matches on tax ID, e-mail or phone are certain; names are compared after removing
legal-form words ("Ltd", "sp. z o.o.", "GmbH", "ООО", "有限公司"…) with rapidfuzz, over
candidates found through the indexed name prefix, so the check stays fast on big tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tandem.core.models import Company
from tandem.core.text import name_key
from tandem.partners.models import Partner
from tandem.partners.names import core_name
from tandem.partners.queries import prefix_filter

NAME_SIMILARITY = 90
CANDIDATE_LIMIT = 300


@dataclass
class DuplicateMatch:
    partner: Partner
    reasons: list[str] = field(default_factory=list)


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
    for value, field_name, reason in [
        (tax_id, "tax_id", _("same tax ID")),
        (email, "email", _("same e-mail")),
        (phone, "phone", _("same phone")),
    ]:
        if value:
            for partner in rows.filter(**{field_name: value})[:limit]:
                matches.setdefault(partner.pk, DuplicateMatch(partner)).reasons.append(str(reason))
    if name:
        for partner in _similar_names(rows, name):
            matches.setdefault(partner.pk, DuplicateMatch(partner)).reasons.append(
                str(_("very similar name"))
            )
    return list(matches.values())[:limit]


def _similar_names(rows: object, name: str) -> list[Partner]:
    wanted = core_name(name)
    if len(wanted) < 3:
        return []
    condition = prefix_filter("name_key", name_key(name)[:3]) | prefix_filter("match_key", wanted[:3])
    candidates = rows.filter(condition)[:CANDIDATE_LIMIT]  # type: ignore[attr-defined]
    return [p for p in candidates if fuzz.token_sort_ratio(wanted, p.match_key) >= NAME_SIMILARITY]
