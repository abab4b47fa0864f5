"""Celery tasks of the payments domain: thin wrappers that call services."""

from celery import shared_task

from . import captures, idempotency, refunds


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired_keys()


@shared_task
def expire_authorizations() -> int:
    return captures.expire_authorizations()


@shared_task
def retry_pending_refunds() -> int:
    return refunds.retry_pending_refunds()
