"""The append-only guard covers TRUNCATE too (a statement-level trigger: TRUNCATE fires no row triggers).

It stops the schema's owner by mistake (a maintenance script); what stops the application itself is its
database role, which may not truncate at all (audit/db_roles.py). A test database's connections set
`payproc.allow_audit_truncate` (payproc/settings/test.py): the test runner empties every table between
transactional tests with TRUNCATE."""

from django.db import migrations

TRUNCATE_SQL = """
CREATE OR REPLACE FUNCTION audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('payproc.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditentry;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
"""


def no_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRUNCATE_SQL)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(no_truncate, migrations.RunPython.noop)]
