"""Merchants' API keys: made once, shown once, stored as a SHA-256 hash with a visible prefix."""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ApiKey, Merchant

KEY_MODES = ("test", "live")
_VISIBLE_CHARS = 4


@dataclass(frozen=True, slots=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the full key: give it to the merchant now, it cannot be recovered later


def hash_key(secret: str) -> str:
    # The key has 256 bits of randomness, so a fast unsalted hash is enough and allows lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(*, merchant: Merchant, name: str = "", mode: str | None = None) -> IssuedKey:
    mode = mode or settings.API_KEY_MODE
    if mode not in KEY_MODES:
        raise ValueError(f"API key mode must be one of {KEY_MODES}, not {mode!r}")
    secret = f"sk_{mode}_{secrets.token_urlsafe(32)}"
    prefix = secret[: len(f"sk_{mode}_") + _VISIBLE_CHARS]
    api_key = ApiKey.objects.create(merchant=merchant, name=name, prefix=prefix, key_hash=hash_key(secret))
    return IssuedKey(api_key=api_key, secret=secret)


def create_merchant(*, name: str, mode: str | None = None) -> tuple[Merchant, IssuedKey]:
    with transaction.atomic():
        merchant = Merchant.objects.create(name=name)
        issued = issue_api_key(merchant=merchant, name="default", mode=mode)
    return merchant, issued


def revoke_api_key(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def find_active_key_by_hash(key_hash: str) -> ApiKey | None:
    """The live, unrevoked key with this hash, with its merchant, or None (`key_cache` serves requests)."""
    return (
        ApiKey.objects.select_related("merchant")
        .filter(key_hash=key_hash, revoked_at__isnull=True, merchant__is_active=True)
        .first()
    )
