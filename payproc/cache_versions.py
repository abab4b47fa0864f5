"""Version tokens in the shared cache, for process-local caches that must drop their copies everywhere.

A process keeps what it loaded together with the token it saw; any change replaces the token, so every
process notices on its next read. The token is replaced at once and again on commit, so no process can
reload the old data between the change and its commit and keep it under the new token.
"""

import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save


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
