"""PostgreSQL: a deferred constraint trigger refuses, at commit, a posted entry whose lines do
not balance, whatever code (or raw SQL) wrote it. Other databases rely on the posting service."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION accounting_check_entry_balanced() RETURNS trigger AS $$
DECLARE
    target bigint;
    found_state varchar;
    difference numeric;
BEGIN
    IF TG_TABLE_NAME = 'accounting_journalentry' THEN
        target := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        target := OLD.entry_id;
    ELSE
        target := NEW.entry_id;
    END IF;
    SELECT state INTO found_state FROM accounting_journalentry WHERE id = target;
    IF found_state IS DISTINCT FROM 'posted' THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO difference
        FROM accounting_journalline WHERE entry_id = target;
    IF difference <> 0 THEN
        RAISE EXCEPTION 'posted journal entry % does not balance (debit - credit = %)', target, difference
            USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRESQL = [
    FUNCTION,
    "CREATE CONSTRAINT TRIGGER accounting_entry_balanced AFTER INSERT OR UPDATE OF state ON accounting_journalentry "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION accounting_check_entry_balanced()",
    "CREATE CONSTRAINT TRIGGER accounting_line_balanced "
    "AFTER INSERT OR DELETE OR UPDATE OF debit, credit, entry_id ON accounting_journalline "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION accounting_check_entry_balanced()",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER accounting_line_balanced ON accounting_journalline",
    "DROP TRIGGER accounting_entry_balanced ON accounting_journalentry",
    "DROP FUNCTION accounting_check_entry_balanced()",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounting", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(POSTGRESQL), _on_postgresql(POSTGRESQL_REVERSE))]
