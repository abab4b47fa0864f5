"""Celery tasks of the anti-fraud domain: thin wrappers that call services."""

from celery import shared_task
from django.conf import settings

from .recovery import redrive_stale_payments


@shared_task
def redrive_pending_payments() -> int:
    """Beat: drive on payments the pipeline left pending (see `recovery`)."""
    done = redrive_stale_payments(
        older_than_seconds=settings.PENDING_REDRIVE_AFTER_SECONDS, limit=settings.PENDING_REDRIVE_BATCH
    )
    return done.scored + done.authorized
