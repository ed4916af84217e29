"""Pegs for the planned orders written before pegs existed (migration 0008): each order that was
pegged to one demand (``demand_move``, or a parent planned order: once released, the move its
manufacturing order or purchase request was made for) gets that demand for its whole quantity,
so that what reads the pegs — an RFQ line's "bought for", an order's "made for" — needs no other
link. Elidable: a new database has no such orders."""

from django.db import migrations


def peg_earlier_orders(apps, schema_editor):
    PlannedOrder = apps.get_model("planning", "PlannedOrder")
    Peg = apps.get_model("planning", "Peg")
    rows = (
        PlannedOrder.objects.filter(pegs__isnull=True)
        .exclude(demand_move__isnull=True, parent__isnull=True)
        .values_list(
            "pk",
            "company_id",
            "demand_move_id",
            "manufacturing_order__demand_move_id",
            "purchase_request__demand_move_id",
            "parent_id",
            "quantity",
        )
    )
    Peg.objects.bulk_create(
        [
            Peg(
                company_id=company_id,
                planned_order_id=pk,
                demand_move_id=move_id or made_for or bought_for,
                parent_id=parent_id,
                quantity=quantity,
            )
            for pk, company_id, move_id, made_for, bought_for, parent_id, quantity in rows.iterator()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0008_pegs"),
        ("manufacturing", "0002_planned_dates_and_demand"),
        ("purchasing", "0004_request_demand_move"),
    ]

    operations = [migrations.RunPython(peg_earlier_orders, migrations.RunPython.noop, elidable=True)]
