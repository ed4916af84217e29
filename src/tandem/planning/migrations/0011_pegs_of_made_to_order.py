"""Pegs for the manufacturing orders made to order before they were pegged: each order made for a
move (``demand_move``) outside MRP gets that move for its whole quantity, so that "made for" reads
the pegs of every order. Elidable: a new database has no such orders."""

from django.db import migrations


def peg_made_to_order(apps, schema_editor):
    ManufacturingOrder = apps.get_model("manufacturing", "ManufacturingOrder")
    Peg = apps.get_model("planning", "Peg")
    pegged = Peg.objects.filter(manufacturing_order__isnull=False).values("manufacturing_order_id")
    rows = (
        ManufacturingOrder.objects.filter(demand_move__isnull=False)
        .exclude(source="mrp")
        .exclude(pk__in=pegged)
        .values_list("pk", "company_id", "demand_move_id", "quantity")
    )
    Peg.objects.bulk_create(
        [
            Peg(company_id=company_id, manufacturing_order_id=pk, demand_move_id=move_id, quantity=quantity)
            for pk, company_id, move_id, quantity in rows.iterator()
            if quantity > 0
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("planning", "0010_peg_made_to_order")]

    operations = [migrations.RunPython(peg_made_to_order, migrations.RunPython.noop, elidable=True)]
