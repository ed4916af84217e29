"""An outgoing e-mail keeps the id of the partner it is about, as the event log does, instead
of a foreign key: core names no model of the layers above it. The column and its index stay;
only the foreign-key constraint goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterField(
                    model_name='outgoingemail',
                    name='partner',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='partners.partner', verbose_name='partner'),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name='outgoingemail', name='partner'),
                migrations.AddField(
                    model_name='outgoingemail',
                    name='partner_id',
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
            ],
        ),
    ]
