"""Celery tasks: thin wrappers that load and call services."""

import logging
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import transaction

from . import dispatch, events, idempotency, outbox

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None)
def handle_event(self: Any, *, handler_name: str, envelope: dict[str, Any], topic: str) -> bool:
    """Run one handler on one event; retry with exponential backoff and jitter, then dead-letter it."""
    try:
        return dispatch.run_handler(handler_name=handler_name, envelope=envelope)
    except Exception as exc:
        attempts = self.request.retries + 1
        if attempts > settings.EVENT_HANDLER_MAX_RETRIES:
            logger.error(
                "handler %s gave up on event %s after %d attempts: %s",
                handler_name,
                envelope.get("event_id"),
                attempts,
                exc,
            )
            dead_letter(envelope=envelope, topic=topic, handler_name=handler_name, error=exc, attempts=attempts)
            return False
        countdown = get_exponential_backoff_interval(
            factor=settings.EVENT_HANDLER_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=settings.EVENT_HANDLER_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        logger.warning(
            "handler %s failed on event %s (attempt %d), retrying in %ss: %s",
            handler_name,
            envelope.get("event_id"),
            attempts,
            countdown,
            exc,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


def dead_letter(*, envelope: dict[str, Any], topic: str, handler_name: str, error: Exception, attempts: int) -> None:
    """Put the event on its topic's dead-letter queue, through the outbox so it cannot be lost."""
    with transaction.atomic():
        events.enqueue_event(
            event_type=events.DEAD_LETTER,
            key=str(envelope.get("key") or envelope.get("event_id")),
            data={
                "event": envelope,
                "topic": topic,
                "handler": handler_name,
                "error": f"{error.__class__.__name__}: {error}"[:2000],
                "attempts": attempts,
            },
            topic=events.dead_letter_topic(topic),
        )


@shared_task
def relay_outbox() -> int:
    """Beat safety net next to the long-running relay: publish whatever is still unsent."""
    return outbox.relay_pending()


@shared_task
def purge_idempotency_keys() -> int:
    return idempotency.purge_expired_keys()
