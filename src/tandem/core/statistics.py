"""Planner statistics after bulk writes.

SQLite plans without statistics until ``ANALYZE`` runs: on a freshly bulk-loaded table it
then prefers the index that avoids a sort over the one that matches the filter, turning a
lookup by e-mail into a scan of every partner. Bulk loaders (demo data, imports) call
:func:`refresh` when they finish; PostgreSQL's autovacuum would get there later anyway.
"""

from __future__ import annotations

from django.db import connection


def refresh() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
