"""What every app's part of the demo company is built with.

The demo (``tandem demo --size small|medium|large``) is put together from parts: each app
names its builder in its ``manifest.py`` (``DemoPart``), and ``tandem.demo`` runs them in
order with one :class:`Demo`: the company and users made first, and the size asked for.
A part returns counts of what it wrote, for the summary.

Everything is deterministic: parts seed their generators with :data:`SEED`, so two builds of
one size hold the same names, numbers and prices, and tests, screenshots and benchmarks can
rely on them. Bulk writes bypass the services on purpose (loading 100,000 partners one
service call at a time would take minutes and fill the event log with facts that never
happened); rows are valid by construction and go in batches of :data:`BATCH_SIZE`, one
transaction per batch, so a running server's writers never wait longer than one batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tandem.core.models import Company, User

SEED = 42
BATCH_SIZE = 2000
SIZE_NAMES = ("small", "medium", "large")


@dataclass(frozen=True)
class Demo:
    """The demo being built: its size name, its company and its users (by user name)."""

    size: str
    company: Company
    users: Mapping[str, User]
    roles: Mapping[str, str]  # user name → role

    def user_ids(self) -> dict[str, int]:
        return {name: user.pk for name, user in self.users.items()}

    def with_role(self, role: str) -> tuple[str, ...]:
        return tuple(name for name, held in self.roles.items() if held == role)
