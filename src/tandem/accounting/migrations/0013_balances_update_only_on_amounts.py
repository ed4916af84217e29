"""The monthly balances' UPDATE trigger (0004) works only when a line changes what a balance is
made of: whether it is posted, its date (month), company, account, partner, cost centre, debit
or credit. Posted lines are otherwise written only for their bookkeeping (``open_item`` after
every reconciliation; a label), and each such write ran the trigger.

SQLite: before, every update of a posted line took its amounts back from its three balance rows
and added them again. Now the trigger fires only for updates that set one of those columns
(``UPDATE OF``), and only when one of them really changes (``WHEN``).

PostgreSQL: the trigger stays one per statement, so posting adds an entry's lines grouped per
balance row in key order (0004, 0007); a statement trigger with transition tables can take
neither a column list nor a WHEN on the rows' values. Its function now returns at once when no
line of the statement changed one of those columns, instead of grouping the statement's lines
three times (an unchanged line's groups already cancelled out, so no balance row was written).
"""

import importlib

from django.db import migrations

# What a line adds to its balance rows: a change of any of these moves them.
COLUMNS = ("posted", "date", "company_id", "account_id", "partner_id", "cost_centre_id", "debit", "credit")
ON = "ON accounting_journalline"


def _balances():
    return importlib.import_module("tandem.accounting.migrations.0004_monthly_balances")


def _sqlite_update(columns):
    """0004's trigger, limited to ``columns`` when given."""
    balances = _balances()
    take_back = "\n".join(balances._sqlite_take_back(*table) for table in balances.TABLES)
    add = "\n".join(balances._sqlite_add(*table) for table in balances.TABLES)
    event, when = "AFTER UPDATE", "OLD.posted OR NEW.posted"
    if columns:
        event = f"AFTER UPDATE OF {', '.join(columns)}"
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        when = f"({when}) AND ({changed})"
    return (
        f"CREATE TRIGGER accounting_balances_update {event} {ON} WHEN {when} "
        f"BEGIN\n{take_back}\n{add}\nEND"
    )


def _postgresql_update(columns):
    """0004's function, returning at once when no line changed one of ``columns``."""
    balances = _balances()
    updated = f"{balances._changes('new_lines', '')} UNION ALL {balances._changes('old_lines', '-')}"
    body = "\n".join(balances._postgresql_add(*table, updated) for table in balances.TABLES)
    if columns:
        old = ", ".join(f"o.{column}" for column in columns)
        new = ", ".join(f"n.{column}" for column in columns)
        guard = (
            "IF NOT EXISTS (SELECT FROM old_lines AS o JOIN new_lines AS n ON n.id = o.id "
            f"WHERE (o.posted OR n.posted) AND ({old}) IS DISTINCT FROM ({new})) THEN\nRETURN NULL;\nEND IF;"
        )
        body = f"{guard}\n{body}"
    return balances._function("accounting_balances_update", body)


def _replace(schema_editor, columns):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = ["DROP TRIGGER IF EXISTS accounting_balances_update", _sqlite_update(columns)]
    elif vendor == "postgresql":
        statements = [_postgresql_update(columns)]  # the trigger itself is unchanged
    else:
        return
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    _replace(schema_editor, COLUMNS)


def backward(apps, schema_editor):
    _replace(schema_editor, ())


class Migration(migrations.Migration):
    dependencies = [("accounting", "0012_payment_counterpart")]

    operations = [migrations.RunPython(forward, backward)]
