"""A forecast names its warehouse (issue 18): MRP nets it there instead of in the company's first
warehouse. Existing forecasts get the warehouse MRP planned them in until now: the company's
first active warehouse (its first warehouse at all when none is active). A forecast of a company
without any warehouse was never planned and has nowhere to go: it is removed."""

import django.db.models.deletion
from django.db import migrations, models


def fill_warehouses(apps, schema_editor):
    Forecast = apps.get_model("planning", "Forecast")
    Warehouse = apps.get_model("inventory", "Warehouse")
    companies = Forecast.objects.filter(warehouse__isnull=True).values_list("company_id", flat=True).distinct()
    for company_id in list(companies):
        warehouses = Warehouse.objects.filter(company_id=company_id).order_by("-active", "id")
        first = warehouses.values_list("pk", flat=True).first()
        rows = Forecast.objects.filter(company_id=company_id, warehouse__isnull=True)
        if first is None:
            rows.delete()
        else:
            rows.update(warehouse_id=first)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0008_stock_months"),
        ("planning", "0003_planned_order_superseded"),
    ]

    operations = [
        migrations.AddField(
            model_name="forecast",
            name="warehouse",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="inventory.warehouse",
                verbose_name="warehouse",
            ),
        ),
        migrations.RunPython(fill_warehouses, migrations.RunPython.noop, elidable=True),
    ]
