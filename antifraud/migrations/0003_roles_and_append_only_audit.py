"""A PostgreSQL trigger that keeps the audit log append-only (the roles live in antifraud.roles)."""

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION antifraud_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS antifraud_audit_append_only ON antifraud_auditentry;
CREATE TRIGGER antifraud_audit_append_only BEFORE UPDATE OR DELETE ON antifraud_auditentry
    FOR EACH ROW EXECUTE FUNCTION antifraud_audit_append_only();
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("antifraud", "0002_audit_and_reviews"),
        ("transactions", "0003_review_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(append_only, migrations.RunPython.noop),
    ]
