"""API keys served from process memory, checked against a version token in the shared cache.

Every change to a key or a merchant replaces the token (see `apps.py`), so each process drops its
copies on its next request: a revoked key stops working at once everywhere, with no database query.
The token is read in the same Redis round trip that counts the request against the key's rate limit.
When the cache cannot be read the key comes from the database.
"""

from functools import partial

from django.conf import settings

from payproc.cache_versions import VersionedMemo

from .api_keys import find_active_key_by_hash, hash_key, is_usable
from .models import ApiKey
from .throttling import hit, hit_and_read

# A copy is also dropped after a minute, in case a token change was lost while the cache was down.
_keys: VersionedMemo[str, ApiKey] = VersionedMemo("api-keys", max_age_seconds=60.0)


def authenticate_and_count(secret: str) -> tuple[ApiKey | None, float | None]:
    """The live key with this secret, and the seconds it must wait under its rate limit (None: go ahead).

    For a key this process holds, checking its version token and counting the request against the
    key's limit are one Redis round trip; a key it does not hold is loaded from the database first.
    """
    key_hash = hash_key(secret)
    rate = settings.RATE_LIMIT_PER_API_KEY
    load = partial(find_active_key_by_hash, key_hash)
    held, wait = _keys.peek(key_hash), None
    if held is not None:
        wait, version = hit_and_read(rate=rate, bucket="api_key", identity=str(held.pk), cache_key=_keys.token_key)
        api_key = _keys.get(key_hash, load, version=version)
    else:
        api_key = _keys.get(key_hash, load)
    if api_key is None or not is_usable(api_key):  # an expiry passes without any change to bump the token
        return None, None
    if held is None or api_key.pk != held.pk:  # not counted in the round trip above
        wait = hit(rate=rate, bucket="api_key", identity=str(api_key.pk))
    return api_key, wait


def forget_keys() -> None:
    """Make every process reload keys on its next request."""
    _keys.forget()
