"""The CRM's record rules in one place: whose deals, leads, activities and targets a person sees.

Three reaches, by permission (``crm.roles`` grants them):

- ``crm.view_all_deals`` (the sales director, the auditor, administrators): every row of the
  company; ``crm.view_all_leads`` does the same for leads.
- ``crm.view_team_deals`` (the sales manager): their own rows and those of the members of the
  sales teams they lead (``SalesTeam.leader``) — a correlated ``EXISTS`` on the membership
  table, never a list of ids — and the deals that count for a team they lead (``Deal.team``).
- everyone else (the salesperson): their own rows.

Every path reads through these (``visible_to`` of each model: lists, the board, cards, exports,
the API, search, the calendar and its feed, analytics and KPIs), and the services use
:func:`may_act_for` before a row is given to someone else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from tandem.core.models import User
from tandem.core.querysets import allowed_company
from tandem.crm.models.analytics import SalesTeam

VIEW_ALL_DEALS = "crm.view_all_deals"
VIEW_TEAM_DEALS = "crm.view_team_deals"


def sees_all(user: Any) -> bool:
    """Every salesperson's deals and activities of the company."""
    return bool(getattr(user, "is_superuser", False) or user.has_perm(VIEW_ALL_DEALS))


def sees_team(user: Any) -> bool:
    """The deals of the members of the teams one leads (on top of one's own)."""
    return bool(user.has_perm(VIEW_TEAM_DEALS))


def led_member(user: Any, column: str) -> Exists:
    """The row's person (``column``, a user id) is a member of a team of the row's company that
    ``user`` leads."""
    return Exists(
        SalesTeam.members.through.objects.filter(
            user_id=OuterRef(column), salesteam__leader=user, salesteam__company_id=OuterRef("company_id")
        )
    )


def led_team(user: Any, column: str) -> Exists:
    """The row's sales team (``column``, a team id) is one ``user`` leads."""
    return Exists(SalesTeam.objects.filter(pk=OuterRef(column), leader=user))


def own_or_team(user: Any, column: str) -> Q:
    """The rows whose person (``column``) is the user or, for a sales manager, one of their team."""
    condition = Q(**{column: user.pk})
    if sees_team(user):
        condition |= Q(led_member(user, column))
    return condition


def reached_rows(user: Any, column: str) -> Q | None:
    """The platform's reach (``core.registry.Reach``, declared in ``crm.manifest``): a sales
    manager also sees the customers and orders of the members of the teams they lead — the
    rows of lower domains whose person (``column``) is one of them; nobody else for others."""
    if not getattr(user, "is_authenticated", False) or not sees_team(user):
        return None
    return Q(led_member(user, column))


def reached_people(user: Any, company: Any) -> Q | None:
    """The members of the teams ``user`` leads in ``company`` (a condition on users), for a
    sales manager; None for others."""
    if not getattr(user, "is_authenticated", False) or not sees_team(user) or company is None:
        return None
    return Q(
        Exists(
            SalesTeam.members.through.objects.filter(
                user_id=OuterRef("pk"), salesteam__leader=user, salesteam__company=company
            )
        )
    )


def visible_people(user: Any, company: Any = None) -> QuerySet[User]:
    """The active people of the company whose CRM rows ``user`` sees: everyone for the sales
    director, the members of the teams they lead for a manager, themselves otherwise."""
    company = company or allowed_company(user)
    if company is None:
        return User.objects.none()
    rows = User.objects.filter(companies=company, is_active=True)
    if sees_all(user):
        return rows.order_by("first_name", "last_name", "id")
    condition = Q(pk=user.pk)
    if sees_team(user):
        condition |= Q(
            Exists(
                SalesTeam.members.through.objects.filter(
                    user_id=OuterRef("pk"), salesteam__leader=user, salesteam__company=company
                )
            )
        )
    return rows.filter(condition).order_by("first_name", "last_name", "id")


def may_act_for(actor: Any, person: Any, company: Any) -> bool:
    """Whether ``actor`` may give a row to ``person`` (make them its owner or assignee)."""
    if actor is None or person is None or person.pk == actor.pk or sees_all(actor):
        return True
    if not sees_team(actor):
        return False
    return SalesTeam.members.through.objects.filter(
        user_id=person.pk, salesteam__leader=actor, salesteam__company=company
    ).exists()
