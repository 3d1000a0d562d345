"""Validated entries are never changed nor deleted: PostgreSQL refuses it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Une écriture validée ne se modifie ni ne se supprime.' USING ERRCODE = 'check_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
CREATE TRIGGER ledger_entryline_immutable BEFORE UPDATE OR DELETE ON ledger_entryline
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS ledger_entryline_immutable ON ledger_entryline;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_entry;
DROP FUNCTION IF EXISTS ledger_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
