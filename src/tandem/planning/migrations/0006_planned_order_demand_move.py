"""A planned make keeps the one move it was planned for (issue 18): released, its manufacturing
order is made for that move (``demand_move``), as make to order links its orders. A nullable
column: no table is rebuilt."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0008_stock_months'),
        ('planning', '0005_forecast_warehouse_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='plannedorder',
            name='demand_move',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='inventory.move', verbose_name='made for'),
        ),
    ]
