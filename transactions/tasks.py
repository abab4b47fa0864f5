"""Celery tasks of the payments domain: thin wrappers that call services."""

from celery import shared_task

from . import idempotency


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired_keys()
