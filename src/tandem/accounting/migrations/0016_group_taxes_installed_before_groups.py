"""Companies whose taxes were installed from a template before tax groups existed have taxes of
no group, so their documents total each tax on its own line and their tax groups list is empty.
Each such tax is put in the group of the template row it was made from, as installing the
template does now (``tax_templates.group_taxes``, given this migration's historical models):
the company's country's template first, then the others (a company may have installed
another's). Taxes typed by hand or renamed match no row and stay as they are (issue 14)."""

from django.db import migrations

from tandem.accounting import tax_templates


def group_installed_taxes(apps, schema_editor):
    Tax, TaxGroup = apps.get_model("accounting", "Tax"), apps.get_model("accounting", "TaxGroup")
    Company = apps.get_model("core", "Company")
    ungrouped = Tax.objects.filter(group__isnull=True).exclude(computation="group")
    for company in Company.objects.filter(pk__in=ungrouped.values("company_id")).order_by("pk"):
        own = (company.country or "").upper()
        for country in sorted(tax_templates.TEMPLATES, key=lambda code: code != own):
            tax_templates.group_taxes(tax_templates.TEMPLATES[country], company.pk, Tax, TaxGroup)


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0015_journal_line_tax_rate"),
    ]

    operations = [
        migrations.RunPython(group_installed_taxes, migrations.RunPython.noop, elidable=True),
    ]
