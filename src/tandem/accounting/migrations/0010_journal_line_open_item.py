"""Journal lines keep whether they are still open items (``open_item``), so that what is open
now is read from a small index. Existing posted lines on reconcilable accounts are flagged from
their amounts less what their matches took.

SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: the monthly
balances' triggers (0004) are made again after it."""

import importlib
from decimal import Decimal

import django.db.models.functions.comparison
from django.db import migrations, models
from django.db.models import F, Sum

PLACES = Decimal("0.0001")  # the money places of the books


def flag_open_items(apps, schema_editor):
    JournalLine = apps.get_model("accounting", "JournalLine")
    Reconciliation = apps.get_model("accounting", "Reconciliation")
    lines = JournalLine.objects.filter(posted=True, account__reconcilable=True)
    lines.exclude(debit=F("credit"), amount_currency=0).update(open_item=True)
    taken: dict[int, list[Decimal]] = {}
    for side, sign, currency_field in (("debit_line", -1, "debit_amount_currency"), ("credit_line", 1, "credit_amount_currency")):
        rows = Reconciliation.objects.values(side).annotate(amount=Sum("amount"), in_currency=Sum(currency_field))
        for row in rows.order_by():
            kept = taken.setdefault(row[side], [Decimal(0), Decimal(0)])
            kept[0] += sign * Decimal(str(row["amount"]))
            kept[1] += sign * Decimal(str(row["in_currency"]))
    closed = [
        line.pk
        for line in lines.filter(pk__in=list(taken)).only("debit", "credit", "amount_currency")
        if not (line.debit - line.credit + taken[line.pk][0]).quantize(PLACES)
        and not (line.amount_currency + taken[line.pk][1]).quantize(PLACES)
    ]
    for start in range(0, len(closed), 10_000):
        JournalLine.objects.filter(pk__in=closed[start : start + 10_000]).update(open_item=False)


def keep_sqlite_balances(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    balances = importlib.import_module("tandem.accounting.migrations.0004_monthly_balances")
    for drop, create in zip(balances.SQLITE_REVERSE, balances._sqlite(), strict=True):
        schema_editor.execute(drop.replace("DROP TRIGGER", "DROP TRIGGER IF EXISTS"), params=None)
        schema_editor.execute(create, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0009_bookspaymentterm"),
        ("core", "0007_paymentterm_version"),
        ("partners", "0006_name_key_code_point_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="journalline",
            name="open_item",
            field=models.BooleanField(default=False, editable=False, verbose_name="open item"),
        ),
        migrations.RunPython(keep_sqlite_balances, migrations.RunPython.noop),
        migrations.RunPython(flag_open_items, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="journalline",
            index=models.Index(
                models.F("company"),
                django.db.models.functions.comparison.Coalesce("due_date", "date"),
                models.F("id"),
                condition=models.Q(("open_item", True)),
                name="line_open_item_idx",
            ),
        ),
    ]
