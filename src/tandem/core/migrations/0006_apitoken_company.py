"""API tokens belong to one company: existing tokens get their owner's active company (or,
failing that, the first company the owner may work in); a token whose owner has none is
removed, since it could not be used."""

import django.db.models.deletion
from django.db import migrations, models


def assign_companies(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    for token in ApiToken.objects.select_related("user").filter(company__isnull=True):
        user = token.user
        company_id = user.active_company_id or user.companies.order_by("pk").values_list("pk", flat=True).first()
        if company_id is None:
            token.delete()
        else:
            ApiToken.objects.filter(pk=token.pk).update(company_id=company_id)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_company_unowned_customers_team")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="company",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.company",
                verbose_name="company",
            ),
        ),
        migrations.RunPython(assign_companies, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.company",
                verbose_name="company",
            ),
        ),
    ]
