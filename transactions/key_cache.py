"""API keys served from process memory, checked against a version token in the shared cache.

Every change to a key or a merchant replaces the token (see `apps.py`), so each process drops its
copies on its next request: a revoked key stops working at once everywhere, for one cache read per
request instead of a database query. When the cache cannot be read the key comes from the database.
"""

from payproc.cache_versions import VersionedMemo

from .api_keys import find_active_key_by_hash, hash_key
from .models import ApiKey

# A copy is also dropped after a minute, in case a token change was lost while the cache was down.
_keys: VersionedMemo[str, ApiKey] = VersionedMemo("api-keys", max_age_seconds=60.0)


def active_key(secret: str) -> ApiKey | None:
    """The live, unrevoked key with this secret (with its merchant), or None."""
    key_hash = hash_key(secret)
    return _keys.get(key_hash, lambda: find_active_key_by_hash(key_hash))


def forget_keys() -> None:
    """Make every process reload keys on its next request."""
    _keys.forget()
