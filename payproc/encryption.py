"""Secrets kept in the database, encrypted with a key from the environment (FIELD_ENCRYPTION_KEYS).

cryptography's Fernet (AES-128-CBC with an HMAC-SHA256, a timestamp and a version) through MultiFernet:
the first key encrypts, every listed key decrypts, and `rotate` re-encrypts under the first. A database
dump, a replica or a backup then holds no usable webhook signing secret without the key.
"""

import hashlib
import hmac
from base64 import b32encode, urlsafe_b64decode
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys if key.strip()])


def key_ring() -> MultiFernet:
    return _ring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(text: str) -> str:
    return key_ring().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return key_ring().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same secret, encrypted under the first key (read with whichever key it was written with)."""
    return key_ring().rotate(token.encode()).decode()


def transform_column(connection: Any, table: str, column: str, transform: Callable[[str], str]) -> int:
    """Rewrite every stored value of a column with `transform` (encrypt, decrypt, rotate), on the stored
    text itself rather than through a model, whose field would decrypt it; returns the rows rewritten.
    Names come from models' own metadata and are quoted: no outside input reaches the SQL."""
    table, column = connection.ops.quote_name(table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        rows = cursor.fetchall()
        for pk, value in rows:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [transform(value), pk])  # noqa: S608
    return len(rows)


class EncryptedTextField(models.TextField):
    """Text stored encrypted; the model sees plain text. Not searchable (each encryption differs)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)


def digests(text: str, purpose: str) -> list[str]:
    """Keyed one-way digests of `text` under each key (the first is current), for secrets that are only
    ever compared, never read back (recovery codes): 16 base32 characters, 80 bits of an HMAC-SHA256.
    Without the key, a stolen digest cannot be tested against guesses offline."""
    message = f"{purpose}:{text}".encode()
    macs = (
        hmac.new(urlsafe_b64decode(key), message, hashlib.sha256).digest() for key in settings.FIELD_ENCRYPTION_KEYS
    )
    return [b32encode(mac[:10]).decode().lower() for mac in macs]
