"""What the manufacturing services share."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tandem.core.errors import IllegalTransition
from tandem.core.models import User
from tandem.manufacturing.models import ManufacturingOrder


def user_of(actor: Any) -> User | None:
    """The actor as a user to stamp (None for the system or an anonymous caller)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def refused(order: ManufacturingOrder) -> IllegalTransition:
    """The error of an action its order's state does not allow."""
    label = ManufacturingOrder.State(order.state).label
    return IllegalTransition(
        _("This cannot be done now: its state is “%(state)s”.") % {"state": label}, state=order.state
    )
