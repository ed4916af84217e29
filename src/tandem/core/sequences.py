"""Gapless, unique document numbers per company and document type.

A number is one statement once the period's counter exists: ``UPDATE … SET last_number =
last_number + 1 … RETURNING`` (SQLite ≥ 3.35, PostgreSQL). The UPDATE takes the counter's row
lock on PostgreSQL (a concurrent allocation waits for this transaction, then increments the
value it committed; SQLite serialises writers with ``BEGIN IMMEDIATE``), so concurrent
allocations queue as with ``SELECT … FOR UPDATE``. Call inside the transaction that confirms
or posts the document: if it rolls back, so does the number, which keeps the series gapless.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tandem.core.models import Company, Sequence, SequenceCounter

# The counter of (company, code) for the period ``on`` falls in (its year, or 0 when the
# sequence does not restart yearly), incremented; with the sequence's pattern.
_NEXT = """
UPDATE {counter} SET {last} = {last} + 1
WHERE {counter_id} = (
    SELECT c.{counter_id} FROM {counter} c INNER JOIN {sequence} s ON s.{sequence_id} = c.{sequence_fk}
    WHERE s.{company} = %s AND s.{code} = %s
      AND c.{period} = CASE WHEN s.{reset_yearly} THEN %s ELSE 0 END
)
RETURNING {last}, (SELECT s.{pattern} FROM {sequence} s WHERE s.{sequence_id} = {counter}.{sequence_fk})
"""


def _next_sql() -> str:
    quote = connection.ops.quote_name
    return _NEXT.format(
        counter=quote(SequenceCounter._meta.db_table),
        sequence=quote(Sequence._meta.db_table),
        counter_id=quote(SequenceCounter._meta.pk.column),
        sequence_id=quote(Sequence._meta.pk.column),
        sequence_fk=quote(SequenceCounter._meta.get_field("sequence").column),
        last=quote(SequenceCounter._meta.get_field("last_number").column),
        period=quote(SequenceCounter._meta.get_field("period").column),
        company=quote(Sequence._meta.get_field("company").column),
        code=quote(Sequence._meta.get_field("code").column),
        reset_yearly=quote(Sequence._meta.get_field("reset_yearly").column),
        pattern=quote(Sequence._meta.get_field("pattern").column),
    )


def next_number(
    company: Company,
    code: str,
    on: datetime.date | None = None,
    *,
    defaults: Mapping[str, Any] | None = None,
) -> str:
    """The next number of ``code`` for ``company`` in the period of ``on`` (today by default).
    ``defaults`` (``pattern``, ``reset_yearly``) are used only when the sequence is new."""
    on = on or timezone.localdate()
    with connection.cursor() as cursor:  # one statement: the counter exists (all but the first number)
        cursor.execute(_next_sql(), [company.pk, code, on.year])
        row = cursor.fetchone()
    if row is not None:
        return _format(row[1], code, on, row[0])
    with transaction.atomic():  # the first number of the sequence or of its period
        sequence, _created = Sequence.objects.get_or_create(
            company=company, code=code, defaults=defaults or {}
        )
        period = on.year if sequence.reset_yearly else 0
        counter = _locked_counter(sequence, period)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return _format(sequence.pattern, code, on, counter.last_number)


def _format(pattern: str, code: str, on: datetime.date, number: int) -> str:
    return pattern.format(code=code, year=on.year, number=number)


def _locked_counter(sequence: Sequence, period: int) -> SequenceCounter:
    counters = SequenceCounter.objects.select_for_update()
    try:
        return counters.get(sequence=sequence, period=period)
    except SequenceCounter.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            SequenceCounter.objects.create(sequence=sequence, period=period)
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    return counters.get(sequence=sequence, period=period)
