"""Segments: saved filters over partners, and their members.

A segment's ``criteria`` is a small JSON object, checked by :func:`normalized` before it is
stored. Its members are computed when read, always inside ``Partner.objects.visible_to(reader)``:
the same segment shows a salesperson only their customers and a manager the company's. Each
criterion is one condition in SQL (a join, an ``EXISTS`` or a correlated sum), never a list of ids.

Criteria: ``tags`` (any of these tag ids), ``countries`` (ISO codes), ``city`` (an address in
this city), ``owners`` (salespeople's user ids), ``created_from``/``created_to`` (dates),
``active_since`` (an activity done since this date), ``inactive_since`` (none done since),
``stages`` (an open deal in one of these stage ids), ``won_min``/``won_max`` (the sum of won
deals in the company's currency, each at the rate of the day it was won, at least/at most).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, User
from tandem.core.money import converted_in_sql
from tandem.core.querysets import allowed_company
from tandem.core.versioning import update_versioned
from tandem.crm.models import Activity, Deal, Segment, Stage
from tandem.partners.models import Address, Partner, Tag

LIST_KEYS = ("tags", "countries", "owners", "stages")
DATE_KEYS = ("created_from", "created_to", "active_since", "inactive_since")
MONEY_KEYS = ("won_min", "won_max")
KEYS = (*LIST_KEYS, "city", *DATE_KEYS, *MONEY_KEYS)
MAX_ITEMS = 200
MAX_MONEY = Decimal("1e16")


def _ids(value: Any) -> list[int] | None:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        return None
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            return None
        text = str(item)
        if not text.isdigit() or len(text) > 18:
            return None
        out.append(int(text))
    return sorted(set(out))


def normalized(company: Company, criteria: Any) -> dict[str, Any]:
    """The criteria as stored (known keys only, empty ones left out); a clear error per key."""
    if not isinstance(criteria, Mapping):
        raise ValidationFailed({"criteria": [_("Criteria are an object of filters.")]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(criteria) - set(KEYS))
    if unknown:
        errors["criteria"] = [_("Unknown criteria: %(names)s.") % {"names": ", ".join(map(str, unknown))}]
    out: dict[str, Any] = {}
    for key in ("tags", "owners", "stages"):
        if criteria.get(key) in (None, [], ""):
            continue
        ids = _ids(criteria[key])
        if ids is None:
            errors[key] = [_("A list of ids.")]
            continue
        if key == "tags":
            found = Tag.objects.filter(company=company, pk__in=ids).count()
        elif key == "stages":
            found = Stage.objects.filter(company=company, pk__in=ids).count()
        else:
            found = User.objects.filter(companies=company, pk__in=ids).count()
        if found != len(ids):
            errors[key] = [_("This choice belongs to another company.")]
            continue
        out[key] = ids
    countries = criteria.get("countries")
    if countries not in (None, [], ""):
        if (
            not isinstance(countries, list)
            or len(countries) > MAX_ITEMS
            or not all(isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isascii() for c in countries)
        ):
            errors["countries"] = [_("A list of two-letter country codes.")]
        else:
            out["countries"] = sorted({c.upper() for c in countries})
    city = criteria.get("city")
    if city not in (None, ""):
        if not isinstance(city, str) or len(city.strip()) > 100 or "\x00" in city:
            errors["city"] = [_("A city's name, 100 characters at most.")]
        elif city.strip():
            out["city"] = city.strip()
    for key in DATE_KEYS:
        value = criteria.get(key)
        if value in (None, ""):
            continue
        try:
            out[key] = date.fromisoformat(str(value)).isoformat()
        except ValueError:
            errors[key] = [_("A date, YYYY-MM-DD.")]
    for key in MONEY_KEYS:
        value = criteria.get(key)
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            amount = Decimal(-1)
        if not amount.is_finite() or amount < 0 or amount >= MAX_MONEY:
            errors[key] = [_("Enter an amount of zero or more.")]
        else:
            out[key] = str(amount.quantize(Decimal("0.01")))
    if out.get("created_from") and out.get("created_to") and out["created_to"] < out["created_from"]:
        errors["created_to"] = [_("The period ends before it starts.")]
    if errors:
        raise ValidationFailed(errors)
    return out


def _wants_revenue(criteria: Mapping[str, Any]) -> bool:
    return bool(criteria.get("won_min") or criteria.get("won_max"))


def _won_revenue(reader: Any) -> Any:
    """A partner's won deals the reader may see, added up in the company's currency (each at the
    rate of the day it was won), as one SQL expression; None without a company to add them in.
    An expression, not an annotation, so that a count over many segments stays one plain query."""
    company = allowed_company(reader)
    if company is None:
        return None
    won = (
        Deal.objects.visible_to(reader)
        .filter(partner_id=OuterRef("pk"), state=Deal.State.WON)
        .annotate(value=converted_in_sql("amount", "currency_id", "closed_at__date", company.currency))
        .order_by()
        .values("partner_id")
        .annotate(total=Sum("value"))
        .values("total")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=2)
    return Coalesce(Subquery(won, output_field=money), Value(Decimal(0)), output_field=money)


def _conditions(criteria: Mapping[str, Any], reader: Any) -> list[Any] | None:
    """The criteria as SQL conditions on a partner; None when they cannot match (won revenue
    asked of a reader without a company)."""
    deals = Deal.objects.visible_to(reader)
    conditions: list[Any] = []
    if criteria.get("tags"):
        conditions.append(
            Exists(
                Partner.tags.through.objects.filter(partner_id=OuterRef("pk"), tag_id__in=criteria["tags"])
            )
        )
    if criteria.get("countries"):
        conditions.append(Q(country__in=criteria["countries"]))
    if criteria.get("city"):
        conditions.append(
            Exists(Address.objects.filter(partner_id=OuterRef("pk"), city__iexact=criteria["city"]))
        )
    if criteria.get("owners"):
        conditions.append(Q(owner_id__in=criteria["owners"]))
    if criteria.get("created_from"):
        conditions.append(Q(created_at__date__gte=criteria["created_from"]))
    if criteria.get("created_to"):
        conditions.append(Q(created_at__date__lte=criteria["created_to"]))
    done = Activity.objects.visible_to(reader).filter(state=Activity.State.DONE)
    partner_activity = Q(partner_id=OuterRef("pk")) | Q(deal__partner_id=OuterRef("pk"))
    if criteria.get("active_since"):
        conditions.append(Exists(done.filter(partner_activity, done_at__date__gte=criteria["active_since"])))
    if criteria.get("inactive_since"):
        conditions.append(
            ~Exists(done.filter(partner_activity, done_at__date__gte=criteria["inactive_since"]))
        )
    if criteria.get("stages"):
        conditions.append(
            Exists(
                deals.filter(
                    partner_id=OuterRef("pk"), state=Deal.State.OPEN, stage_id__in=criteria["stages"]
                )
            )
        )
    if _wants_revenue(criteria):
        revenue = _won_revenue(reader)
        if revenue is None:
            return None
        if criteria.get("won_min"):
            conditions.append(GreaterThanOrEqual(revenue, Value(Decimal(criteria["won_min"]))))
        if criteria.get("won_max"):
            conditions.append(LessThanOrEqual(revenue, Value(Decimal(criteria["won_max"]))))
    return conditions


def members(criteria: Mapping[str, Any], reader: Any) -> QuerySet[Partner]:
    """The partners the reader may see that match (one query; the conditions are SQL). Deals and
    activities are read as the reader may see them: a colleague's deal on one's own customer
    neither counts nor shows through a partner's membership."""
    rows = Partner.objects.visible_to(reader)
    conditions = _conditions(criteria, reader)
    return rows.none() if conditions is None else rows.filter(*conditions)


def member_counts(chosen: Sequence[Segment], reader: Any, partner: Partner | None = None) -> dict[int, int]:
    """``{segment id: its members the reader may see}`` for several segments in one query — one
    filtered count per segment over the reader's partners — or, given ``partner``, whether that
    partner is a member of each (1 or 0): the segment list's column and the card's panel."""
    if not chosen:
        return {}
    rows = Partner.objects.visible_to(reader)
    if partner is not None:
        rows = rows.filter(pk=partner.pk)
    counts: dict[str, Any] = {}
    for segment in chosen:
        conditions = _conditions(segment.criteria or {}, reader)
        if conditions is not None:
            counts[f"s{segment.pk}"] = Count("pk", filter=Q(*conditions)) if conditions else Count("pk")
    found = rows.order_by().aggregate(**counts) if counts else {}
    return {segment.pk: found.get(f"s{segment.pk}") or 0 for segment in chosen}


def set_member_counts(chosen: Sequence[Segment], reader: Any) -> None:
    """``segment.member_count`` on each of ``chosen`` (a page, an export batch), in one query."""
    counts = member_counts(chosen, reader)
    for segment in chosen:
        segment.member_count = counts[segment.pk]  # type: ignore[attr-defined]


def count(criteria: Mapping[str, Any], reader: Any) -> int:
    return members(criteria, reader).count()


def _name(company: Company, name: Any, segment: Segment | None = None) -> str:
    text = str(name or "").strip()
    if not text:
        raise ValidationFailed({"name": [_("A segment needs a name.")]})
    if len(text) > 100:
        raise ValidationFailed({"name": [_("100 characters at most.")]})
    clash = Segment.objects.filter(company=company, name=text)
    if segment is not None:
        clash = clash.exclude(pk=segment.pk)
    if clash.exists():
        raise ValidationFailed({"name": [_("A segment with this name exists already.")]})
    return text


@transaction.atomic
def create_segment(
    company: Company, actor: User | None, *, name: str, description: str = "", criteria: Any = None
) -> Segment:
    data = normalized(company, criteria or {})
    segment = Segment.objects.create(
        company=company,
        name=_name(company, name),
        description=str(description or "")[:500],
        criteria=data,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    events.record("segment.created", segment, actor, {"name": segment.name, "criteria": data})
    return segment


@transaction.atomic
def update_segment(
    segment: Segment, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> Segment:
    unknown = set(fields) - {"name", "description", "criteria"}
    if unknown:
        raise ValidationFailed({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    changes: dict[str, Any] = {}
    if "name" in fields:
        changes["name"] = _name(segment.company, fields["name"], segment)
    if "description" in fields:
        changes["description"] = str(fields["description"] or "")[:500]
    if "criteria" in fields:
        changes["criteria"] = normalized(segment.company, fields["criteria"] or {})
    return update_versioned(
        segment, actor, changes, expected_version=expected_version, event="segment.updated"
    )
