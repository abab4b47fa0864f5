"""`manage.py rotate_encryption_key`: re-encrypt every secret kept in the database under the first key of
FIELD_ENCRYPTION_KEYS. Put the new key first (the old ones after it, so every secret still reads),
deploy, run this, then drop the old keys. Safe to run again; it reads each row with whichever key wrote it.
Recovery codes are digests, not ciphertext: they cannot be re-keyed and match while their key is listed."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from payproc.encryption import EncryptedTextField, rotate, transform_column


class Command(BaseCommand):
    help = "Re-encrypt the secrets kept in the database under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedTextField):
                    # The stored tokens themselves: rotate keeps the secret and its timestamp and changes
                    # only the key it is encrypted under.
                    with transaction.atomic():
                        done = transform_column(connection, model._meta.db_table, field.column, rotate)
                    self.stdout.write(f"{model._meta.label}.{field.name}: {done} re-encrypted")
