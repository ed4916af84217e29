"""Roles are Django groups; each domain declares what its roles may do.

A domain app lists its grants in ``<app>/roles.py`` as ``GRANTS = {role: [codename, …]}``
(codenames of that app's permissions, or ``"<app_label>.<codename>"`` of a lower app's for a
role the domain declares itself); a role only one domain needs (the books' read-only
auditor) is declared there too, as ``ROLES = {name: label}``, and is then built in like the
platform's own. A declared role that is another one and more (the CRM's sales director is a
sales manager who sees every team) names it in ``EXTENDS = {name: base}``: it holds every grant
of the base, whichever app declares them, plus its own. :func:`sync_roles` runs after every migrate and
makes each group hold exactly the declared permissions, so a new domain's permissions
reach existing databases with its migration.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ADMINISTRATOR = "administrator"
SALES_MANAGER = "sales_manager"
SALESPERSON = "salesperson"
PURCHASER = "purchaser"
WAREHOUSE = "warehouse"
PRODUCTION_PLANNER = "production_planner"
ACCOUNTANT = "accountant"
HR = "hr"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    SALES_MANAGER: _("Sales manager"),
    SALESPERSON: _("Salesperson"),
    PURCHASER: _("Purchaser"),
    WAREHOUSE: pgettext_lazy("role", "Warehouse"),  # the people; plain "Warehouse" is the place
    PRODUCTION_PLANNER: _("Production planner"),
    ACCOUNTANT: _("Accountant"),
    HR: _("HR"),
}


def _role_modules() -> list[tuple[str, ModuleType]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("tandem."):
            continue
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError:
            continue
        found.append((config.label, module))
    return found


def role_labels() -> dict[str, Any]:
    """Every built-in role and its label: the platform's and those the domains declare."""
    labels: dict[str, Any] = dict(ROLE_LABELS)
    for _label, module in _role_modules():
        labels.update(getattr(module, "ROLES", {}))
    return labels


def declared_grants() -> dict[str, set[tuple[str, str]]]:
    """``{role: {(app_label, codename)}}`` collected from every app's ``roles`` module."""
    grants: dict[str, set[tuple[str, str]]] = {role: set() for role in role_labels()}
    bases: dict[str, str] = {}
    for label, module in _role_modules():
        for role, codenames in getattr(module, "GRANTS", {}).items():
            grants[role].update(_grant(label, codename) for codename in codenames)
        bases.update(getattr(module, "EXTENDS", {}))
    for role in bases:
        base, seen = bases[role], {role}
        while base not in seen:  # a chain of bases, each taken once
            seen.add(base)
            grants[role] |= grants[base]
            base = bases.get(base, base)
    return grants


def _grant(label: str, codename: str) -> tuple[str, str]:
    """A codename of the declaring app, or ``"<app_label>.<codename>"`` of an app below it
    (the CRM's sales director sees every customer: ``"partners.view_all_partners"``)."""
    app, dot, name = codename.partition(".")
    return (app, name) if dot else (label, codename)


def sync_roles(sender: object = None, **_: object) -> None:
    """post_migrate receiver; acts once, after the last app's permissions exist."""
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not None and sender is not with_models[-1]:
        return
    grants = declared_grants()
    for role, wanted in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        if role == ADMINISTRATOR:
            group.permissions.set(Permission.objects.filter(content_type__app_label__in=_tandem_labels()))
        else:
            group.permissions.set(_permissions(wanted))


def _tandem_labels() -> list[str]:
    return [c.label for c in apps.get_app_configs() if c.name.startswith("tandem.")]


def _permissions(wanted: set[tuple[str, str]]) -> list[Permission]:
    found = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[codename for _label, codename in wanted]
        )
    }
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"roles grant unknown permissions: {sorted(missing)}")
    return [found[key] for key in wanted]


def role_label(name: str) -> str:
    return str(role_labels().get(name, name))
