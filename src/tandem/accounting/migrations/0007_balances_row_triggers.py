"""PostgreSQL: posted lines inserted (bulk loaders, imports) or deleted move the monthly balances
through row triggers that fire only for posted lines. The statement triggers of 0004 ran three
grouped upserts for every INSERT statement, draft or posted; a bulk loader's executemany sends
one statement per row, which took PostgreSQL's bulk write from ~1,700 to ~200 lines a second.
Posting itself (one UPDATE per entry) keeps the statement trigger: it adds the entry's lines
grouped per balance row, in key order, so two posters lock shared rows in one order."""

from django.db import migrations

TABLES = [
    ("accounting_accountbalance", ("company_id", "account_id"), None),
    ("accounting_partnerbalance", ("company_id", "account_id", "partner_id"), "partner_id"),
    ("accounting_costcentrebalance", ("company_id", "cost_centre_id", "account_id"), "cost_centre_id"),
]
UNITS = 10_000
MONTH = "date_trunc('month', {0}.date::timestamp)::date"


def _add(table, keys, needed):
    key = ", ".join(keys)
    new = ", ".join(f"NEW.{k}" for k in keys)
    statement = (
        f"INSERT INTO {table} AS b ({key}, month, debit, credit, line_count) "
        f"VALUES ({new}, {MONTH.format('NEW')}, (NEW.debit * {UNITS})::bigint, (NEW.credit * {UNITS})::bigint, 1) "
        f"ON CONFLICT ({key}, month) DO UPDATE SET debit = b.debit + EXCLUDED.debit, "
        "credit = b.credit + EXCLUDED.credit, line_count = b.line_count + 1;"
    )
    return f"IF NEW.{needed} IS NOT NULL THEN {statement} END IF;" if needed else statement


def _take_back(table, keys, needed):
    same = " AND ".join(f"{k} = OLD.{k}" for k in keys)
    return (
        f"UPDATE {table} SET debit = debit - (OLD.debit * {UNITS})::bigint, "
        f"credit = credit - (OLD.credit * {UNITS})::bigint, line_count = line_count - 1 "
        f"WHERE {same} AND month = {MONTH.format('OLD')};"
    )


def _function(name, body):
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$\nBEGIN\n{body}\nRETURN NULL;\nEND\n"
        "$$ LANGUAGE plpgsql"
    )


ON = "ON accounting_journalline"
FORWARD = [
    "DROP TRIGGER accounting_balances_insert ON accounting_journalline",
    "DROP TRIGGER accounting_balances_delete ON accounting_journalline",
    _function("accounting_balances_insert", "\n".join(_add(*t) for t in TABLES)),
    _function("accounting_balances_delete", "\n".join(_take_back(*t) for t in TABLES)),
    f"CREATE TRIGGER accounting_balances_insert AFTER INSERT {ON} FOR EACH ROW WHEN (NEW.posted) "
    "EXECUTE FUNCTION accounting_balances_insert()",
    f"CREATE TRIGGER accounting_balances_delete AFTER DELETE {ON} FOR EACH ROW WHEN (OLD.posted) "
    "EXECUTE FUNCTION accounting_balances_delete()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        module = __import__("tandem.accounting.migrations.0004_monthly_balances", fromlist=["_postgresql"])
        for sql in [
            "DROP TRIGGER accounting_balances_insert ON accounting_journalline",
            "DROP TRIGGER accounting_balances_delete ON accounting_journalline",
            *(s for s in module._postgresql() if "_insert" in s or "_delete" in s),
        ]:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0006_payment_run")]

    operations = [migrations.RunPython(forward, backward)]
