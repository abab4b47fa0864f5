"""The foreign key's own index goes: the unique constraint that leads with the same column serves it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0002_incident_escalation_chain'),
    ]

    operations = [
        migrations.AlterField(
            model_name='escalationlevel',
            name='policy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='levels', to='alerts.escalationpolicy'),
        ),
    ]
