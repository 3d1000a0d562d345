"""A closed payroll run and its lines can never be changed or deleted, whatever the code path:
PostgreSQL refuses it. Corrections go into the next month's run."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION payroll_run_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'closed' THEN
        RAISE EXCEPTION 'Paie clôturée du %: elle ne se modifie ni ne se supprime.', to_char(OLD.month, 'MM/YYYY')
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER payroll_run_immutable BEFORE UPDATE OR DELETE ON payroll_payrollrun
    FOR EACH ROW EXECUTE FUNCTION payroll_run_immutable();

CREATE FUNCTION payroll_line_immutable() RETURNS trigger AS $$
DECLARE
    run_state text;
BEGIN
    SELECT state INTO run_state FROM payroll_payrollrun
        WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.run_id ELSE OLD.run_id END;
    IF run_state = 'closed' THEN
        RAISE EXCEPTION 'Les lignes d''une paie clôturée ne se modifient pas.' USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER payroll_line_immutable BEFORE INSERT OR UPDATE OR DELETE ON payroll_payrollline
    FOR EACH ROW EXECUTE FUNCTION payroll_line_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS payroll_line_immutable ON payroll_payrollline;
DROP FUNCTION IF EXISTS payroll_line_immutable();
DROP TRIGGER IF EXISTS payroll_run_immutable ON payroll_payrollrun;
DROP FUNCTION IF EXISTS payroll_run_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("payroll", "0002_runs")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
