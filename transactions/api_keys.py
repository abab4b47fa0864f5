"""Merchants and their API keys: a key is made once, shown once, stored as a SHA-256 hash with a visible
prefix. Every change is audited (who, before, after) in its own database transaction."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record, save_audited, snapshot

from .models import ApiKey, Merchant

SYSTEM = "system"

KEY_MODES = ("test", "live")
_VISIBLE_CHARS = 4


@dataclass(frozen=True, slots=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the full key: give it to the merchant now, it cannot be recovered later


def hash_key(secret: str) -> str:
    # The key has 256 bits of randomness, so a fast unsalted hash is enough and allows lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


_KEY_FIELDS = ("merchant", "name", "prefix", "expires_at", "revoked_at")  # never the hash


def issue_api_key(*, merchant: Merchant, name: str = "", mode: str | None = None, actor: str = SYSTEM) -> IssuedKey:
    mode = mode or settings.API_KEY_MODE
    if mode not in KEY_MODES:
        raise ValueError(f"API key mode must be one of {KEY_MODES}, not {mode!r}")
    secret = f"sk_{mode}_{secrets.token_urlsafe(32)}"
    prefix = secret[: len(f"sk_{mode}_") + _VISIBLE_CHARS]
    with transaction.atomic():
        api_key = ApiKey.objects.create(merchant=merchant, name=name, prefix=prefix, key_hash=hash_key(secret))
        record(actor=actor, action="apikey.issue", target=api_key, after=snapshot(api_key, fields=_KEY_FIELDS))
    return IssuedKey(api_key=api_key, secret=secret)


def create_merchant(*, name: str, mode: str | None = None, actor: str = SYSTEM) -> tuple[Merchant, IssuedKey]:
    with transaction.atomic():
        merchant = Merchant.objects.create(name=name)
        record(actor=actor, action="merchant.add", target=merchant, after=snapshot(merchant))
        issued = issue_api_key(merchant=merchant, name="default", mode=mode, actor=actor)
    return merchant, issued


def save_merchant(*, merchant: Merchant, actor: str) -> Merchant:
    """An edit of a merchant (name, active), audited: deactivating one stops its keys at once (key cache)."""
    save_audited(merchant, actor=actor)
    return merchant


def _record_key_change(api_key: ApiKey, *, action: str, actor: str, before: dict, note: str = "") -> None:
    after = snapshot(api_key, fields=_KEY_FIELDS)
    record(actor=actor, action=action, target=api_key, before=before, after=after, note=note)


def revoke_api_key(*, api_key: ApiKey, actor: str = SYSTEM) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.revoked_at is None:
            before = snapshot(api_key, fields=_KEY_FIELDS)
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
            _record_key_change(api_key, action="apikey.revoke", actor=actor, before=before)
    return api_key


def rename_api_key(*, api_key: ApiKey, name: str, actor: str) -> ApiKey:
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        before = snapshot(api_key, fields=_KEY_FIELDS)
        api_key.name = name
        api_key.save(update_fields=["name"])
        _record_key_change(api_key, action="apikey.rename", actor=actor, before=before)
    return api_key


def rotate_api_key(*, api_key: ApiKey, overlap: timedelta, actor: str = SYSTEM) -> IssuedKey:
    """A new key for the same merchant and name; the old one keeps working for `overlap`, then expires.

    The overlap lets the merchant deploy the new key before the old one stops. An old key already due to
    expire sooner keeps its earlier time.
    """
    mode = "live" if api_key.prefix.startswith("sk_live_") else "test"
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if old.revoked_at is not None:
            raise ValueError(f"key {old.prefix}… is revoked; issue a new key instead of rotating it")
        before = snapshot(old, fields=_KEY_FIELDS)
        ends = timezone.now() + overlap
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
            old.save(update_fields=["expires_at"])
        issued = issue_api_key(merchant=old.merchant, name=old.name, mode=mode, actor=actor)
        note = f"replaced by {issued.api_key.prefix}"
        _record_key_change(old, action="apikey.rotate", actor=actor, before=before, note=note)
    return issued


def is_usable(api_key: ApiKey) -> bool:
    """Not revoked, not expired, of an active merchant: checked on every request, cached copies too."""
    return (
        api_key.revoked_at is None
        and (api_key.expires_at is None or api_key.expires_at > timezone.now())
        and api_key.merchant.is_active
    )


def find_active_key_by_hash(key_hash: str) -> ApiKey | None:
    """The live, unrevoked key with this hash, with its merchant, or None (`key_cache` serves requests)."""
    api_key = ApiKey.objects.select_related("merchant").filter(key_hash=key_hash).first()
    return api_key if api_key is not None and is_usable(api_key) else None
