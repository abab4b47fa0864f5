"""A partial index of the listed networks (CIDR entries), which every scoring batch reads."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('antifraud', '0012_ip_country_rule'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='listentry',
            index=models.Index(condition=models.Q(('kind', 'ip'), ('value__contains', '/')), fields=['value'], name='list_entry_networks'),
        ),
    ]
