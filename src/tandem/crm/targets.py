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
    name = (name or "").strip()
    if not name:
        raise ValidationFailed({"name": [_("A team needs a name.")]})
    people = list(members)
    if any(
        not person.companies.filter(pk=company.pk).exists() for person in [*people, *filter(None, [leader])]
    ):
        raise ValidationFailed({"members": [_("Everyone in a team must work in this company.")]})
    if SalesTeam.objects.filter(company=company, name=name).exists():
        raise ValidationFailed({"name": [_("A team with this name exists already.")]})
    team = SalesTeam.objects.create(company=company, name=name, leader=leader)
    team.members.set(people)
    return team


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
