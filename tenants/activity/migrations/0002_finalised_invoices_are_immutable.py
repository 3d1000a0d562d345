"""A finalised invoice (or credit note) and its lines can never be changed or deleted, whatever
the code path: PostgreSQL refuses it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION activity_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'finalised' THEN
        RAISE EXCEPTION 'Facture émise % : elle ne se modifie ni ne se supprime.', OLD.number
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER activity_invoice_immutable BEFORE UPDATE OR DELETE ON activity_invoice
    FOR EACH ROW EXECUTE FUNCTION activity_invoice_immutable();

CREATE FUNCTION activity_invoiceline_immutable() RETURNS trigger AS $$
DECLARE
    parent_status text;
BEGIN
    SELECT status INTO parent_status FROM activity_invoice
        WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END;
    IF parent_status = 'finalised' THEN
        RAISE EXCEPTION 'Les lignes d''une facture émise ne se modifient pas.' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER activity_invoiceline_immutable BEFORE INSERT OR UPDATE OR DELETE ON activity_invoiceline
    FOR EACH ROW EXECUTE FUNCTION activity_invoiceline_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS activity_invoiceline_immutable ON activity_invoiceline;
DROP FUNCTION IF EXISTS activity_invoiceline_immutable();
DROP TRIGGER IF EXISTS activity_invoice_immutable ON activity_invoice;
DROP FUNCTION IF EXISTS activity_invoice_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("activity", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
