"""The transaction resource cache (Redis in production); every status change drops the entry."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache


def _key(transaction_id: UUID | str) -> str:
    return f"payproc:tx:v2:{transaction_id}"


def cached_resource(transaction_id: UUID | str) -> dict[str, Any] | None:
    return cache.get(_key(transaction_id))


def store_resource(transaction_id: UUID | str, resource: dict[str, Any]) -> None:
    cache.set(_key(transaction_id), resource, timeout=settings.TRANSACTION_CACHE_SECONDS)


def forget_resource(transaction_id: UUID | str) -> None:
    cache.delete(_key(transaction_id))


def forget_resources(transaction_ids: Iterable[UUID | str]) -> None:
    """`forget_resource` for a batch of payments, in one round trip."""
    keys = [_key(transaction_id) for transaction_id in transaction_ids]
    if keys:
        cache.delete_many(keys)
