"""`manage.py rotate_encryption_key`: re-encrypt every secret kept in the database under the first key of
FIELD_ENCRYPTION_KEYS. Put the new key first (the old ones after it, so every secret still reads),
deploy, run this, then drop the old keys. Safe to run again; it reads each row with whichever key wrote it."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from payproc.encryption import EncryptedTextField, rotate


class Command(BaseCommand):
    help = "Re-encrypt the secrets kept in the database under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [field for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
            for field in fields:
                table, column = (connection.ops.quote_name(name) for name in (model._meta.db_table, field.column))
                with transaction.atomic(), connection.cursor() as cursor:
                    # The stored tokens themselves, not the model's decrypted values: rotate keeps the
                    # secret and its timestamp and changes only the key it is encrypted under.
                    # Names from the models' own metadata, quoted: no outside input reaches the SQL.
                    cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
                    rows = cursor.fetchall()
                    for pk, token in rows:
                        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [rotate(token), pk])  # noqa: S608
                self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} re-encrypted")
