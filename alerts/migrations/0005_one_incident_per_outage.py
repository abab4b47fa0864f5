"""One incident per outage: rules may name the condition they report, and an open incident is unique by its
fingerprint (condition and grouping key) instead of by (rule, grouping key). Existing incidents get the
fingerprint the new code computes for them, so a firing alert keeps counting on its open incident."""

from django.db import migrations, models
from django.db.models import Q


def fill_fingerprints(apps, schema_editor):
    Incident = apps.get_model("alerts", "Incident")
    for incident in Incident.objects.select_related("rule").iterator():
        condition, group_key = incident.rule.name, incident.group_key
        labels = (incident.details or {}).get("labels")
        if incident.rule.event_type == "alertmanager.alert" and isinstance(labels, dict):
            condition = labels.get("condition") or f"prometheus:{labels.get('alertname', '')}"
        incident.fingerprint = f"{condition}|{group_key}"[:400]
        incident.save(update_fields=["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_outbound_delivery_columns")]

    operations = [
        migrations.AddField(
            model_name="alertrule",
            name="condition",
            field=models.CharField(
                blank=True,
                help_text="The outage this rule reports, when another rule (or a Prometheus alert's `condition` "
                "label) reports it too: matches of every rule with the same condition and grouping key make one "
                "incident. Empty: the rule's own name.",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="fingerprint",
            field=models.CharField(
                default="",
                help_text="The rule's condition and the grouping key: one open incident per outage.",
                max_length=400,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_fingerprints, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="incident", name="alerts_one_open_incident_per_group"),
        migrations.AddConstraint(
            model_name="incident",
            constraint=models.UniqueConstraint(
                condition=~Q(state="resolved"), fields=("fingerprint",), name="alerts_one_open_incident_per_outage"
            ),
        ),
    ]
