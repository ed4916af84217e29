"""What the declared cases share: the people and companies of a case, and "nothing changed"."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from tandem.core import roles
from tandem.core.models import Company, Event, User


@dataclass
class Kit:
    """The world of one declared test: two companies and a user per part they play.

    ``editor`` may add and change the model, ``reader`` may only look, ``nobody`` holds no
    role, ``outsider`` is an editor of the other company. ``make(**fields)`` builds a record
    of the model in ``company`` with the case's builder; ``make_elsewhere`` in ``other_company``.
    """

    company: Company
    other_company: Company
    editor: User
    reader: User
    nobody: User
    outsider: User
    make: Callable[..., Model]
    make_elsewhere: Callable[..., Model]
    extra: dict[str, Any] = field(default_factory=dict)


def events_about(obj: Model) -> list[str]:
    """Names of the events whose subject is ``obj``, oldest first."""
    subject_type = ContentType.objects.get_for_model(obj)
    rows = Event.objects.filter(subject_type=subject_type, subject_id=str(obj.pk)).order_by("id")
    return list(rows.values_list("name", flat=True))


@dataclass(frozen=True)
class Snapshot:
    """The state a refused request must leave exactly as it found."""

    rows: int
    events: int
    record: dict[str, Any] | None

    @classmethod
    def of(cls, model: type[Model], obj: Model | None = None) -> Snapshot:
        record = None
        if obj is not None:
            record = model._default_manager.filter(pk=obj.pk).values().get()
        return cls(model._default_manager.count(), Event.objects.count(), record)


def assert_unchanged(before: Snapshot, model: type[Model], obj: Model | None, what: str) -> None:
    after = Snapshot.of(model, obj)
    assert after == before, f"{what} changed something: {before} → {after}"


class DeclaredCases:
    """The part of a declaration the view and API cases share: the model, its roles, its builder."""

    model: ClassVar[type[Model]]
    editor_role: ClassVar[str] = roles.SALES_MANAGER
    reader_role: ClassVar[str]
    # The text that names a record on the list, the card and the export; the builder accepts
    # it as a keyword, so the export test can fill it with formulas.
    name_field: ClassVar[str] = "name"
    _usernames = itertools.count(1)

    def name_of(self, obj: Model) -> str:
        return str(getattr(obj, self.name_field))

    def make(self, company: Company, actor: User | None, **fields: Any) -> Model:
        """Build one record the way the domain does (through its service)."""
        raise NotImplementedError

    @pytest.fixture
    def kit(
        self, company: Company, other_company: Company, make_user: Callable[..., User], reference_data: None
    ) -> Kit:
        def user(role: str | None, at: Company = company) -> User:
            return make_user(f"{role or 'norole'}-{next(self._usernames)}", role, company=at)

        editor = user(self.editor_role)
        outsider = user(self.editor_role, other_company)
        return Kit(
            company=company,
            other_company=other_company,
            editor=editor,
            reader=user(self.reader_role),
            nobody=user(None),
            outsider=outsider,
            make=partial(self.make, company, editor),
            make_elsewhere=partial(self.make, other_company, outsider),
        )
