"""The audit log now lives in the audit app (its migration copied the entries): drop the old table."""

from django.db import migrations


def drop_trigger_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS antifraud_audit_append_only ON antifraud_auditentry")
        schema_editor.execute("DROP FUNCTION IF EXISTS antifraud_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("antifraud", "0004_review_queue"), ("audit", "0001_initial")]

    operations = [
        migrations.RunPython(drop_trigger_function, migrations.RunPython.noop),
        migrations.DeleteModel(name="AuditEntry"),
    ]
