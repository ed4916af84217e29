"""The account of advances received from customers becomes a books setting
(``customer_advances_account``, issue 17). Down payments used to find it by a fixed list of
chart codes; each existing company's settings get the account that list found, so nothing
changes for it — except an account the setting refuses (a payables, tax or credit-card
account: a control account, not where advances wait), which is left for the company to choose."""

import django.db.models.deletion
from django.db import migrations, models

# the codes down payments looked for, first found first: IFRS, PL, RU, SI
OLD_CODES = ("2050", "245", "62.02", "2000")
ALLOWED_SUBTYPES = ("current", "non_current")


def fill_customer_advances(apps, schema_editor):
    Account = apps.get_model("accounting", "Account")
    BooksSettings = apps.get_model("accounting", "BooksSettings")
    found: dict[int, dict[str, int]] = {}
    rows = Account.objects.filter(code__in=OLD_CODES, type="liability", subtype__in=ALLOWED_SUBTYPES)
    for company_id, code, pk in rows.values_list("company_id", "code", "pk"):
        found.setdefault(company_id, {})[code] = pk
    for books in BooksSettings.objects.filter(customer_advances_account__isnull=True, company_id__in=list(found)):
        codes = found[books.company_id]
        books.customer_advances_account_id = next(codes[code] for code in OLD_CODES if code in codes)
        books.save(update_fields=["customer_advances_account"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0010_journal_line_open_item"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookssettings",
            name="customer_advances_account",
            field=models.ForeignKey(
                blank=True,
                help_text="A liability: where down payments invoiced to customers wait until deducted.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounting.account",
                verbose_name="customer advances account",
            ),
        ),
        migrations.RunPython(fill_customer_advances, migrations.RunPython.noop),
    ]
