"""The audit log moves to its own app: new table, the same append-only trigger, earlier entries copied."""

from django.db import migrations, models

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
"""

# Entries written before the move named the model without its app; every one of them was one of these.
_LABELS = {
    "Transaction": "transactions.Transaction",
    "ListEntry": "antifraud.ListEntry",
    "AlertRule": "alerts.AlertRule",
    "EscalationPolicy": "alerts.EscalationPolicy",
    "EscalationLevel": "alerts.EscalationLevel",
    "Silence": "alerts.Silence",
    "Incident": "alerts.Incident",
}


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def copy_earlier_entries(apps, schema_editor):
    """In SQL, so each entry keeps its original time (the model would stamp `at` with now)."""
    labels = " ".join(f"WHEN '{short}' THEN '{label}'" for short, label in _LABELS.items())
    schema_editor.execute(
        "INSERT INTO audit_auditentry (at, actor, action, object_type, object_id, before, after, note) "
        f"SELECT at, actor, action, CASE object_type {labels} ELSE object_type END, object_id, before, after, note "
        "FROM antifraud_auditentry ORDER BY id"
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = [("antifraud", "0004_review_queue")]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("actor", models.CharField(max_length=150)),
                ("action", models.CharField(max_length=50)),
                (
                    "object_type",
                    models.CharField(help_text="app_label.Model of the changed object", max_length=80),
                ),
                ("object_id", models.CharField(max_length=64)),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                ("note", models.CharField(blank=True, max_length=1000)),
            ],
            options={
                "verbose_name_plural": "audit log",
                "ordering": ["-at", "-id"],
                "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_trail_object")],
            },
        ),
        migrations.RunPython(copy_earlier_entries, migrations.RunPython.noop),
        migrations.RunPython(append_only, migrations.RunPython.noop),
    ]
