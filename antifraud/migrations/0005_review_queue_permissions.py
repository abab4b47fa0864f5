from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_queue = Permission.objects.get(content_type__app_label="antifraud", codename="view_reviewqueueitem")
    for name in ("Fraud analyst", "Risk admin"):
        Group.objects.get(name=name).permissions.add(view_queue)


class Migration(migrations.Migration):
    dependencies = [("antifraud", "0004_review_queue")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
