"""API keys served from process memory, checked against a version token in the shared cache.

Every change to a key or a merchant replaces the token (see `apps.py`), so each process drops its
copies on its next request: a revoked key stops working at once everywhere, for one cache read per
request instead of a database query. When the cache cannot be read the key comes from the database.
"""

import time
from dataclasses import dataclass

from payproc.cache_versions import bump_version, current_version

from .api_keys import find_active_key_by_hash, hash_key
from .models import ApiKey

_VERSION = "api-keys"
# A copy is also dropped after this long, in case a token change was lost while the cache was down.
_MAX_AGE_SECONDS = 60.0
_MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    api_key: ApiKey
    generation: str
    loaded_at: float


_entries: dict[str, _Entry] = {}


def active_key(secret: str) -> ApiKey | None:
    """The live, unrevoked key with this secret (with its merchant), or None."""
    key_hash = hash_key(secret)
    generation = current_version(_VERSION)
    entry = _entries.get(key_hash)
    if (
        entry is not None
        and generation is not None
        and entry.generation == generation
        and time.monotonic() - entry.loaded_at < _MAX_AGE_SECONDS
    ):
        return entry.api_key
    api_key = find_active_key_by_hash(key_hash)
    if api_key is not None and generation is not None:
        if len(_entries) >= _MAX_ENTRIES:
            _entries.clear()
        _entries[key_hash] = _Entry(api_key=api_key, generation=generation, loaded_at=time.monotonic())
    else:
        _entries.pop(key_hash, None)
    return api_key


def forget_keys() -> None:
    """Make every process reload keys on its next request."""
    _entries.clear()
    bump_version(_VERSION)
