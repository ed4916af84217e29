"""Writes of plans: sales teams and the monthly targets of a salesperson or a team."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import events
from tandem.core.errors import NotAllowed, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.versioning import update_versioned
from tandem.crm.models import SalesTarget, SalesTeam
from tandem.crm.models.rules import may_act_for, sees_all, sees_team

MAX_REVENUE = Decimal("9999999999999999.99")


def _director(actor: User | None) -> None:
    if actor is not None and not sees_all(actor):
        raise NotAllowed(_("Only the sales director sets up the sales teams."))


def _may_set_target(actor: User | None, company: Company, user: User | None, team: SalesTeam | None) -> None:
    """The sales director sets every target; a sales manager those of the teams they lead and of
    their members."""
    if actor is None or sees_all(actor):
        return
    if sees_team(actor):
        if team is not None and team.leader_id == actor.pk:
            return
        if user is not None and may_act_for(actor, user, company):
            return
    raise NotAllowed(_("Only the sales director, or the manager of the team, sets its targets."))


def _team_errors(
    company: Company, name: str, leader: User | None, members: Iterable[User], team: SalesTeam | None = None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("A team needs a name.")]
    elif len(name) > 100:
        errors["name"] = [_("Keep this under %(limit)s characters.") % {"limit": 100}]
    elif SalesTeam.objects.filter(company=company, name=name).exclude(pk=getattr(team, "pk", None)).exists():
        errors["name"] = [_("A team with this name exists already.")]
    if any(
        not person.companies.filter(pk=company.pk).exists() for person in [*members, *filter(None, [leader])]
    ):
        errors["members"] = [_("Everyone in a team must work in this company.")]
    return errors


@transaction.atomic
def create_team(
    company: Company,
    actor: User | None,
    *,
    name: str,
    leader: User | None = None,
    members: Iterable[User] = (),
) -> SalesTeam:
    _director(actor)
    name, people = (name or "").strip(), list(members)
    if errors := _team_errors(company, name, leader, people):
        raise ValidationFailed(errors)
    team = SalesTeam.objects.create(company=company, name=name, leader=leader)
    team.members.set(people)
    events.record("salesteam.created", team, actor, {"name": name})
    return team


@transaction.atomic
def update_team(
    team: SalesTeam, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> SalesTeam:
    """Rename a team, give it another leader or change who is in it (the sales director's)."""
    _director(actor)
    unknown = set(fields) - {"name", "leader", "members"}
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    if "members" in fields:
        fields["members"] = list(fields["members"])
    errors = _team_errors(
        team.company,
        fields.get("name", team.name),
        fields.get("leader", team.leader),
        fields.get("members", ()),
        team,
    )
    if errors:
        raise ValidationFailed(errors)
    return update_versioned(team, actor, fields, expected_version=expected_version, event="salesteam.updated")


@transaction.atomic
def set_target(
    company: Company,
    actor: User | None,
    *,
    month: date,
    user: User | None = None,
    team: SalesTeam | None = None,
    revenue: Any = 0,
    deals: Any = 0,
    activities: Any = 0,
) -> SalesTarget:
    """The month's target of one salesperson or one team, made or replaced."""
    _may_set_target(actor, company, user, team)
    errors: dict[str, list[str]] = {}
    if (user is None) == (team is None):
        errors["user"] = [_("A target is for one salesperson or one team.")]
    if team is not None and team.company_id != company.pk:
        errors["team"] = [_("This choice belongs to another company.")]
    if user is not None and not user.companies.filter(pk=company.pk).exists():
        errors["user"] = [_("This person does not work in this company.")]
    if not isinstance(month, date):
        errors["month"] = [_("Choose the month.")]
    amount, counts = _figures(revenue, deals, activities, errors)
    if errors:
        raise ValidationFailed(errors)
    first = month.replace(day=1)
    target, _created = SalesTarget.objects.update_or_create(
        company=company,
        month=first,
        user=user,
        team=team,
        defaults={"revenue": amount, **counts},
    )
    events.record(
        "salestarget.set",
        target,
        actor,
        {
            "month": f"{first:%Y-%m}",
            "revenue": str(amount),
            "deals": counts["deals"],
            "activities": counts["activities"],
        },
    )
    return target


@transaction.atomic
def update_target(
    target: SalesTarget, actor: User | None, *, expected_version: int | None = None, **fields: Any
) -> SalesTarget:
    """Change the figures of a month's target; whose target and which month stay as they are."""
    unknown = set(fields) - {"revenue", "deals", "activities"}
    if unknown:
        raise ValidationFailed({name: [_("Unknown field.")] for name in sorted(unknown)})
    _may_set_target(actor, target.company, target.user, target.team)
    errors: dict[str, list[str]] = {}
    amount, counts = _figures(
        fields.get("revenue", target.revenue),
        fields.get("deals", target.deals),
        fields.get("activities", target.activities),
        errors,
    )
    if errors:
        raise ValidationFailed(errors)
    return update_versioned(
        target,
        actor,
        {"revenue": amount, **counts},
        expected_version=expected_version,
        event="salestarget.updated",
    )


def _figures(
    revenue: Any, deals: Any, activities: Any, errors: dict[str, list[str]]
) -> tuple[Decimal, dict[str, int]]:
    """A target's revenue (to the cent) and counts, each refused into ``errors`` when it is no
    number, negative or absurdly large."""
    try:
        amount = Decimal(str(revenue)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0 or amount > MAX_REVENUE:
        errors["revenue"] = [_("Enter an amount of zero or more.")]
    counts: dict[str, int] = {}
    for name, value in (("deals", deals), ("activities", activities)):
        try:
            counts[name] = int(value)
        except (TypeError, ValueError):
            counts[name] = -1
        if counts[name] < 0 or counts[name] > 1_000_000:
            errors[name] = [_("Enter a whole number of zero or more.")]
    return amount, counts
