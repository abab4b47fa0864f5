"""Version tokens in the shared cache, for process-local caches that must drop their copies everywhere.

A process keeps what it loaded together with the token it saw; any change replaces the token, so every
process notices on its next read. The token is replaced at once and again on commit, so no process can
reload the old data between the change and its commit and keep it under the new token.
"""

import time
import uuid
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

_UNREAD = object()
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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


def on_change(*senders: type[models.Model], call: Callable[[], None]) -> None:
    """Call `call()` whenever a row of these models is saved or deleted (admin, services, shell)."""

    def changed(**_: object) -> None:
        call()

    for sender in senders:
        uid = f"{call.__module__}.{call.__qualname__}:{sender.__name__}"
        post_save.connect(changed, sender=sender, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=sender, weak=False, dispatch_uid=f"{uid}:delete")


class VersionedMemo(Generic[K, V]):
    """Values kept in this process's memory while the named version token holds (see the module doc).

    `get` loads a value on a miss; a value of None is never kept, and neither is anything while the shared
    cache cannot be read. `max_age` bounds how long a copy lives in case a token change was lost.
    """

    def __init__(self, name: str, *, max_age_seconds: float | None = None, max_entries: int = 10_000) -> None:
        self._name = name
        self._max_age = max_age_seconds
        self._max_entries = max_entries
        self._entries: dict[K, tuple[str, float, V]] = {}

    @property
    def name(self) -> str:
        """The version token's name, for callers that read the token once for several memos."""
        return self._name

    @property
    def token_key(self) -> str:
        """The shared cache's key of this memo's version token, for callers that read it themselves."""
        return _key(self._name)

    def peek(self, key: K) -> V | None:
        """The copy in memory without checking the token: to learn which key to check it with."""
        entry = self._entries.get(key)
        if entry is None or (self._max_age is not None and time.monotonic() - entry[1] >= self._max_age):
            return None
        return entry[2]

    def get(self, key: K, load: Callable[[], V | None], *, version: str | object | None = _UNREAD) -> V | None:
        """The value for `key`, loaded on a miss. `version`: the token, when the caller has just read it."""
        if version is _UNREAD or version is None:
            version = current_version(self._name)  # also makes the token when there is none yet
        entry = self._entries.get(key)
        if (
            entry is not None
            and version is not None
            and entry[0] == version
            and (self._max_age is None or time.monotonic() - entry[1] < self._max_age)
        ):
            return entry[2]
        value = load()
        if value is not None and version is not None:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (version, time.monotonic(), value)
        else:
            self._entries.pop(key, None)
        return value

    def forget(self) -> None:
        """Every process reloads on its next `get`."""
        self._entries.clear()
        bump_version(self._name)
