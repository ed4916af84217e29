"""The transfers of one route: a delivery's or a receipt's steps, linked move by move
(``Move.next_move``: pick → pack → ship, input → quality → store), and the backorders of each."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from tandem.inventory.models import Move, Transfer


def route_ids(roots: Iterable[int]) -> set[int]:
    """``roots`` with their backorders and their later steps, at any depth (one query per level)."""
    found: set[int] = set()
    level = {pk for pk in roots if pk}
    while level:
        found |= level
        later = Move.objects.filter(transfer_id__in=level, next_move__isnull=False).values(
            "next_move__transfer_id"
        )
        level = (
            set(
                Transfer.objects.filter(Q(backorder_of_id__in=level) | Q(pk__in=later))
                .order_by()
                .values_list("pk", flat=True)
            )
            - found
        )
    return found


def first_step(transfer: Transfer) -> int:
    """The transfer ``transfer``'s route began with: back through backorders and earlier steps."""
    pk, backorder_of = transfer.pk, transfer.backorder_of_id
    while True:
        if backorder_of is None:
            earlier = Move.objects.filter(next_move__transfer_id=pk).values_list("transfer_id", flat=True)
            before = earlier.first()
            if before is None:
                return pk
            pk = before
        else:
            pk = backorder_of
        backorder_of = Transfer.objects.filter(pk=pk).values_list("backorder_of_id", flat=True).get()
