"""Gapless, unique document numbers per company and document type.

The counter row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises
writers with ``BEGIN IMMEDIATE``) so concurrent allocations queue. Call inside the
transaction that confirms or posts the document: if it rolls back, so does the number,
which keeps the series gapless.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.core.models import Company, Sequence, SequenceCounter


def next_number(company: Company, code: str, on: datetime.date | None = None) -> str:
    on = on or timezone.localdate()
    with transaction.atomic():
        sequence = _sequence(company, code)
        period = on.year if sequence.reset_yearly else 0
        counter = _locked_counter(sequence, period)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
        return sequence.pattern.format(code=code, year=on.year, number=counter.last_number)


def _sequence(company: Company, code: str) -> Sequence:
    sequence, _ = Sequence.objects.get_or_create(company=company, code=code)
    return sequence


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
