"""Groups for analysts and risk admins, and a PostgreSQL trigger that keeps the audit log append-only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYST = "Fraud analyst"
RISK_ADMIN = "Risk admin"

ANALYST_PERMISSIONS = [
    ("transactions", "view_transaction"), ("transactions", "review_transaction"),
    ("transactions", "view_transactionevent"),
    ("antifraud", "view_frauddecision"), ("antifraud", "view_analystreview"), ("antifraud", "view_auditentry"),
    ("antifraud", "view_listentry"), ("antifraud", "add_listentry"), ("antifraud", "change_listentry"),
    ("antifraud", "delete_listentry"),
]
RISK_ADMIN_EXTRA = [
    ("antifraud", "view_fraudrule"), ("antifraud", "add_fraudrule"), ("antifraud", "change_fraudrule"),
    ("antifraud", "delete_fraudrule"), ("antifraud", "view_rulechange"),
    ("antifraud", "view_riskthresholds"), ("antifraud", "add_riskthresholds"),
    ("antifraud", "change_riskthresholds"), ("antifraud", "delete_riskthresholds"),
]

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


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(pairs):
        return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in pairs]

    analyst, _ = Group.objects.get_or_create(name=ANALYST)
    analyst.permissions.set(permissions(ANALYST_PERMISSIONS))
    risk_admin, _ = Group.objects.get_or_create(name=RISK_ADMIN)
    risk_admin.permissions.set(permissions(ANALYST_PERMISSIONS + RISK_ADMIN_EXTRA))


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
        migrations.RunPython(create_groups, migrations.RunPython.noop),
        migrations.RunPython(append_only, migrations.RunPython.noop),
    ]
