"""Monthly balances of the posted lines (models/balances.py), filled from the lines posted so
far, then kept by triggers on accounting_journalline on SQLite and PostgreSQL.

A balance's debit and credit are whole numbers of 1/10,000 (the lines' four places). SQLite:
one trigger per row event (insert, update, delete) with an upsert per table. PostgreSQL: one
trigger per statement with its transition tables, adding the statement's lines grouped per
balance row in key order (so concurrent posters lock shared rows in one order); a deleted
posted line only takes its amounts back from rows that exist.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, key columns besides the month, the key that must be set for a line to count)
TABLES = [
    ("accounting_accountbalance", ("company_id", "account_id"), None),
    ("accounting_partnerbalance", ("company_id", "account_id", "partner_id"), "partner_id"),
    ("accounting_costcentrebalance", ("company_id", "cost_centre_id", "account_id"), "cost_centre_id"),
]
UNITS = 10_000
VALUES = "debit, credit, line_count"


def _sqlite_add(table, keys, needed):
    new = ", ".join(f"NEW.{key}" for key in keys)
    when = f" AND NEW.{needed} IS NOT NULL" if needed else ""
    return (
        f"INSERT INTO {table} ({', '.join(keys)}, month, {VALUES}) "
        f"SELECT {new}, date(NEW.date, 'start of month'), CAST(round(NEW.debit * {UNITS}) AS INTEGER), "
        f"CAST(round(NEW.credit * {UNITS}) AS INTEGER), 1 WHERE NEW.posted{when} "
        f"ON CONFLICT ({', '.join(keys)}, month) DO UPDATE SET debit = debit + excluded.debit, "
        "credit = credit + excluded.credit, line_count = line_count + excluded.line_count;"
    )


def _sqlite_take_back(table, keys, needed):
    same = " AND ".join(f"{key} = OLD.{key}" for key in keys)
    return (
        f"UPDATE {table} SET debit = debit - CAST(round(OLD.debit * {UNITS}) AS INTEGER), "
        f"credit = credit - CAST(round(OLD.credit * {UNITS}) AS INTEGER), line_count = line_count - 1 "
        f"WHERE OLD.posted AND {same} AND month = date(OLD.date, 'start of month');"
    )


def _sqlite():
    add = "\n".join(_sqlite_add(*table) for table in TABLES)
    take_back = "\n".join(_sqlite_take_back(*table) for table in TABLES)
    on = "ON accounting_journalline"
    return [
        f"CREATE TRIGGER accounting_balances_insert AFTER INSERT {on} WHEN NEW.posted BEGIN\n{add}\nEND",
        f"CREATE TRIGGER accounting_balances_update AFTER UPDATE {on} WHEN OLD.posted OR NEW.posted "
        f"BEGIN\n{take_back}\n{add}\nEND",
        f"CREATE TRIGGER accounting_balances_delete AFTER DELETE {on} WHEN OLD.posted BEGIN\n{take_back}\nEND",
    ]


SQLITE_REVERSE = [
    f"DROP TRIGGER accounting_balances_{event}" for event in ("insert", "update", "delete")
]
COLUMNS = "company_id, account_id, partner_id, cost_centre_id"


def _changes(source, sign):
    return (
        f"SELECT {COLUMNS}, date_trunc('month', date::timestamp)::date AS month, "
        f"{sign}debit * {UNITS} AS debit, {sign}credit * {UNITS} AS credit, {sign}1 AS n "
        f"FROM {source} WHERE posted"
    )


def _postgresql_add(table, keys, needed, changes):
    key = ", ".join(keys)
    where = f"WHERE {needed} IS NOT NULL " if needed else ""
    return (
        f"INSERT INTO {table} AS b ({key}, month, {VALUES}) "
        f"SELECT {key}, month, SUM(debit)::bigint, SUM(credit)::bigint, SUM(n) FROM ({changes}) AS c "
        f"{where}GROUP BY {key}, month HAVING SUM(n) <> 0 OR SUM(debit) <> 0 OR SUM(credit) <> 0 "
        f"ORDER BY {key}, month "
        f"ON CONFLICT ({key}, month) DO UPDATE SET debit = b.debit + EXCLUDED.debit, "
        "credit = b.credit + EXCLUDED.credit, line_count = b.line_count + EXCLUDED.line_count;"
    )


def _postgresql_take_back(table, keys, needed):
    key = ", ".join(keys)
    where = f"AND {needed} IS NOT NULL " if needed else ""
    same = " AND ".join(f"b.{k} = c.{k}" for k in (*keys, "month"))
    return (
        f"UPDATE {table} AS b SET debit = b.debit - c.debit, credit = b.credit - c.credit, "
        f"line_count = b.line_count - c.n FROM (SELECT {key}, month, SUM(debit)::bigint AS debit, "
        f"SUM(credit)::bigint AS credit, SUM(n) AS n FROM ({_changes('old_lines', '')}) AS o "
        f"WHERE true {where}GROUP BY {key}, month) AS c WHERE {same};"
    )


def _function(name, body):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n{body}\nRETURN NULL;\nEND\n"
        "$$ LANGUAGE plpgsql"
    )


def _postgresql():
    inserted = _changes("new_lines", "")
    updated = f"{_changes('new_lines', '')} UNION ALL {_changes('old_lines', '-')}"
    on = "ON accounting_journalline"
    return [
        _function(
            "accounting_balances_insert", "\n".join(_postgresql_add(*t, inserted) for t in TABLES)
        ),
        _function(
            "accounting_balances_update", "\n".join(_postgresql_add(*t, updated) for t in TABLES)
        ),
        _function("accounting_balances_delete", "\n".join(_postgresql_take_back(*t) for t in TABLES)),
        f"CREATE TRIGGER accounting_balances_insert AFTER INSERT {on} REFERENCING NEW TABLE AS new_lines "
        "FOR EACH STATEMENT EXECUTE FUNCTION accounting_balances_insert()",
        f"CREATE TRIGGER accounting_balances_update AFTER UPDATE {on} "
        "REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines "
        "FOR EACH STATEMENT EXECUTE FUNCTION accounting_balances_update()",
        f"CREATE TRIGGER accounting_balances_delete AFTER DELETE {on} REFERENCING OLD TABLE AS old_lines "
        "FOR EACH STATEMENT EXECUTE FUNCTION accounting_balances_delete()",
    ]


POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER accounting_balances_{e} ON accounting_journalline" for e in ("insert", "update", "delete")),
    *(f"DROP FUNCTION accounting_balances_{e}()" for e in ("insert", "update", "delete")),
]


def _fill(vendor):
    """The balances of the lines posted before the triggers existed: one grouped INSERT per table."""
    if vendor == "sqlite":
        month = "date(date, 'start of month')"
        amount = "SUM(CAST(round({0} * %d) AS INTEGER))" % UNITS
    else:
        month = "date_trunc('month', date::timestamp)::date"
        amount = "SUM({0} * %d)::bigint" % UNITS
    statements = []
    for table, keys, needed in TABLES:
        key = ", ".join(keys)
        where = f" AND {needed} IS NOT NULL" if needed else ""
        statements.append(
            f"INSERT INTO {table} ({key}, month, {VALUES}) SELECT {key}, {month}, "
            f"{amount.format('debit')}, {amount.format('credit')}, COUNT(*) FROM accounting_journalline "
            f"WHERE posted{where} GROUP BY {key}, {month}"
        )
    return statements


def fill_and_keep(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(vendor)
    if statements is None:
        return
    for sql in [*_fill(vendor), *statements()]:
        schema_editor.execute(sql, params=None)


def stop_keeping(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}.get(vendor, []):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accounting', '0003_reconciliation_write_off_entry'),
        ('core', '0006_apitoken_company'),
        ('partners', '0006_name_key_code_point_order'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month.', verbose_name='month')),
                ('debit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='debit')),
                ('credit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='credit')),
                ('line_count', models.IntegerField(default=0, verbose_name='lines')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounting.account', verbose_name='account')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='core.company', verbose_name='company')),
            ],
            options={
                'verbose_name': 'account balance',
                'verbose_name_plural': 'account balances',
                'constraints': [models.UniqueConstraint(fields=('company', 'account', 'month'), name='accounting_balance_unique')],
            },
        ),
        migrations.CreateModel(
            name='CostCentreBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month.', verbose_name='month')),
                ('debit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='debit')),
                ('credit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='credit')),
                ('line_count', models.IntegerField(default=0, verbose_name='lines')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounting.account', verbose_name='account')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='core.company', verbose_name='company')),
                ('cost_centre', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounting.costcentre', verbose_name='cost centre')),
            ],
            options={
                'verbose_name': 'cost centre balance',
                'verbose_name_plural': 'cost centre balances',
                'constraints': [models.UniqueConstraint(fields=('company', 'cost_centre', 'account', 'month'), name='accounting_centre_balance_unique')],
            },
        ),
        migrations.CreateModel(
            name='PartnerBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(help_text='The first day of the month.', verbose_name='month')),
                ('debit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='debit')),
                ('credit', models.BigIntegerField(default=0, help_text='In 1/10,000 of the company currency.', verbose_name='credit')),
                ('line_count', models.IntegerField(default=0, verbose_name='lines')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounting.account', verbose_name='account')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='core.company', verbose_name='company')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partners.partner', verbose_name='partner')),
            ],
            options={
                'verbose_name': 'partner balance',
                'verbose_name_plural': 'partner balances',
                'constraints': [models.UniqueConstraint(fields=('company', 'account', 'partner', 'month'), name='accounting_partner_balance_unique')],
            },
        ),
        migrations.RunPython(fill_and_keep, stop_keeping),
    ]
