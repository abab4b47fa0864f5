"""Version tokens in the shared cache, for process-local caches that must drop their copies everywhere.

A process keeps what it loaded together with the token it saw; any change replaces the token, so every
process notices on its next read. The token is replaced at once and again on commit, so no process can
reload the old data between the change and its commit and keep it under the new token.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(name: str) -> str:
    return f"payproc:version:{name}"


def current_version(name: str) -> str | None:
    """The token now in force, or None when the shared cache cannot be read (then: do not cache)."""
    version = cache.get(_key(name))
    if version is None:
        cache.add(_key(name), uuid.uuid4().hex, timeout=None)
        version = cache.get(_key(name))
    return version


def bump_version(name: str) -> None:
    def replace() -> None:
        cache.set(_key(name), uuid.uuid4().hex, timeout=None)

    replace()
    transaction.on_commit(replace)
