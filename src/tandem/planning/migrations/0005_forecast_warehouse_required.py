"""Every forecast has its warehouse now (0004 filled them): the column is required and a product
has one forecast per warehouse and month. Apart from 0004 so that PostgreSQL does not alter the
table in the transaction that updated its rows (pending foreign-key trigger events)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_forecast_warehouse"),
    ]

    operations = [
        migrations.AlterField(
            model_name="forecast",
            name="warehouse",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="inventory.warehouse",
                verbose_name="warehouse",
            ),
        ),
        migrations.RemoveConstraint(model_name="forecast", name="planning_forecast_unique"),
        migrations.AddConstraint(
            model_name="forecast",
            constraint=models.UniqueConstraint(
                fields=("company", "product", "warehouse", "month"), name="planning_forecast_unique"
            ),
        ),
    ]
