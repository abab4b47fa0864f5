"""The audit log is the rules' one history: RuleChange rows (written beside an identical audit entry) are
dropped. A row without its audit twin (written before the audit log existed) is copied there first, with
its own time, so no history is lost."""

import json

from django.db import migrations

ACTIONS = {"created": "fraudrule.add", "updated": "fraudrule.change", "deleted": "fraudrule.delete"}
INSERT = (
    "INSERT INTO audit_auditentry (at, actor, action, object_type, object_id, before, after, note) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
)


def _key(object_id, action, actor, before, after):
    return (object_id, action, actor, json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True))


def copy_to_audit_log(apps, schema_editor):
    RuleChange = apps.get_model("antifraud", "RuleChange")
    AuditEntry = apps.get_model("audit", "AuditEntry")
    audited = {
        _key(e.object_id, e.action, e.actor, e.before, e.after)
        for e in AuditEntry.objects.filter(object_type="antifraud.FraudRule")
    }
    missing = []
    for change in RuleChange.objects.order_by("changed_at", "id"):
        object_id = str(change.rule_id) if change.rule_id is not None else f"name:{change.rule_name}"
        action = ACTIONS.get(change.action, f"fraudrule.{change.action}")
        if _key(object_id, action, change.changed_by, change.before, change.after) in audited:
            continue
        missing.append(
            (
                change.changed_at,
                change.changed_by,
                action,
                "antifraud.FraudRule",
                object_id,
                None if change.before is None else json.dumps(change.before),
                None if change.after is None else json.dumps(change.after),
                f"rule {change.rule_name} (from the rule's former history table)",
            )
        )
    if missing:
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(INSERT, missing)


class Migration(migrations.Migration):
    dependencies = [("antifraud", "0013_list_entry_networks"), ("audit", "0001_initial")]

    operations = [
        migrations.RunPython(copy_to_audit_log, migrations.RunPython.noop),
        migrations.DeleteModel(name="RuleChange"),
    ]
