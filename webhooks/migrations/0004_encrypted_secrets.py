"""Webhook signing secrets encrypted at rest (payproc/encryption.py): the column becomes text, and the
secrets already stored are encrypted in place (in SQL: the model's field would try to decrypt them)."""

from django.db import migrations

import payproc.encryption
import webhooks.models


def encrypt_stored(apps, schema_editor):
    from payproc.encryption import encrypt

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM webhooks_webhooksecret")
        for pk, secret in cursor.fetchall():
            cursor.execute("UPDATE webhooks_webhooksecret SET secret = %s WHERE id = %s", [encrypt(secret), pk])


def decrypt_stored(apps, schema_editor):
    from payproc.encryption import decrypt

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, secret FROM webhooks_webhooksecret")
        for pk, token in cursor.fetchall():
            cursor.execute("UPDATE webhooks_webhooksecret SET secret = %s WHERE id = %s", [decrypt(token), pk])


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
