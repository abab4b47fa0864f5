"""Webhook signing secrets encrypted at rest (payproc/encryption.py): the column becomes text, and the
secrets already stored are encrypted in place (in SQL: the model's field would try to decrypt them)."""

from django.db import migrations

import payproc.encryption
import webhooks.models
from payproc.encryption import decrypt, encrypt, transform_column


def encrypt_stored(apps, schema_editor):
    transform_column(schema_editor.connection, "webhooks_webhooksecret", "secret", encrypt)


def decrypt_stored(apps, schema_editor):
    transform_column(schema_editor.connection, "webhooks_webhooksecret", "secret", decrypt)


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0003_outbound_delivery_columns")]

    operations = [
        migrations.AlterField(
            model_name="webhooksecret",
            name="secret",
            field=payproc.encryption.EncryptedTextField(default=webhooks.models.new_secret),
        ),
        migrations.RunPython(encrypt_stored, decrypt_stored),
    ]
