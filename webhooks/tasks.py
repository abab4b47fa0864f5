"""Celery tasks of the webhooks: thin wrappers that call services."""

from celery import shared_task

from . import sending


@shared_task
def deliver_webhooks() -> int:
    """Send what is due: right after events are recorded, and every few seconds from beat (retries)."""
    return sending.deliver_due()
