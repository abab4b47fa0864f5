"""The audit log is the incidents' one history: IncidentEvent rows are copied there with their own time
(acknowledged and resolved rows have their audit entry already, written by the same change) and the
table is dropped."""

from django.db import migrations

INSERT = (
    "INSERT INTO audit_auditentry (at, actor, action, object_type, object_id, before, after, note) "
    "VALUES (%s, %s, %s, %s, %s, NULL, NULL, %s)"
)


def copy_to_audit_log(apps, schema_editor):
    IncidentEvent = apps.get_model("alerts", "IncidentEvent")
    rows = [
        (event.at, event.actor, f"incident.{event.kind.replace(' ', '_')}"[:50], "alerts.Incident",
         str(event.incident_id), event.note)
        for event in IncidentEvent.objects.exclude(kind__in=["acknowledged", "resolved"]).order_by("at", "id")
    ]  # fmt: skip
    if rows:
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(INSERT, rows)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0005_one_incident_per_outage"), ("audit", "0001_initial")]

    operations = [
        migrations.RunPython(copy_to_audit_log, migrations.RunPython.noop),
        migrations.DeleteModel(name="IncidentEvent"),
    ]
