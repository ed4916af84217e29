"""The optimistic-locking edit every versioned record shares.

``update_versioned(partner, actor, {"name": "Nowak"}, expected_version=3, event="partner.updated")``
locks the row, refuses the edit if someone saved a newer version meanwhile (the form or the
API's ``If-Match`` sent the version it showed), applies the changes (many-to-many included),
lets the domain check the changed row, bumps the version and records the event with the diff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from tandem.core import events, search
from tandem.core.errors import StaleVersion

V = TypeVar("V", bound=models.Model)


def update_versioned(
    obj: V,
    actor: Any,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    event: str,
    check: Callable[[V], None] | None = None,
) -> V:
    """Change ``obj``'s fields under a row lock; returns the saved row (a new instance)."""
    with transaction.atomic():
        locked = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
        if expected_version is not None and locked.version != expected_version:  # type: ignore[attr-defined]
            raise StaleVersion(_("Someone else changed this record meanwhile. Reload it and try again."))
        many = {name for name in changes if locked._meta.get_field(name).many_to_many}
        before = events.snapshot(locked, changes.keys())
        for name, value in changes.items():
            if name not in many:
                setattr(locked, name, value)
        if check is not None:
            check(locked)
        locked.version += 1  # type: ignore[attr-defined]
        locked.save()
        search.refresh(type(locked), [locked.pk])  # a no-op for models without a search document
        for name in many:
            getattr(locked, name).set(changes[name])
        if diff := events.changes(before, events.snapshot(locked, before.keys())):
            events.record(event, locked, actor, {"changes": diff})
    return locked
