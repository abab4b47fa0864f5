"""Celery tasks of the event bus: running handlers (with retries and dead letters) and the relay safety net."""

import logging
from typing import Any

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import handlers, relay, retention
from .dead_letters import dead_letter

logger = logging.getLogger(__name__)


def _backoff(retries: int) -> int:
    """Seconds before the next attempt: exponential in the retries so far, with full jitter."""
    return get_exponential_backoff_interval(
        factor=settings.EVENT_HANDLER_BACKOFF_SECONDS,
        retries=retries,
        maximum=settings.EVENT_HANDLER_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )


@shared_task(bind=True, acks_late=True, max_retries=None)
def handle_event(self: Any, *, handler_name: str, envelope: dict[str, Any], topic: str) -> bool:
    """Run one handler on one event; retry with exponential backoff and jitter, then dead-letter it."""
    try:
        return handlers.run_handler(handler_name=handler_name, envelope=envelope)
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
        countdown = _backoff(self.request.retries)
        logger.warning(
            "handler %s failed on event %s (attempt %d), retrying in %ss: %s",
            handler_name,
            envelope.get("event_id"),
            attempts,
            countdown,
            exc,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, acks_late=True, max_retries=None)
def handle_batch(self: Any, *, envelopes: list[dict[str, Any]], groups: list[dict[str, Any]]) -> int:
    """Run a consumed batch: each group is one handler's events (by position) of one topic. An event that
    fails goes on alone to `handle_event`, with its own retries and dead letter. Returns how many
    (event, handler) pairs were done."""
    done = 0
    failed: list[tuple[dict[str, Any], dict[str, Any], Exception]] = []
    for group in groups:
        batch = [envelopes[position] for position in group["positions"]]
        errors = handlers.run_batch(handler_name=group["handler"], envelopes=batch)
        failed += [(group, envelope, exc) for envelope, exc in errors]
        done += len(batch) - len(errors)
    try:
        for group, envelope, exc in failed:
            logger.warning(
                "handler %s failed on event %s, retrying alone: %s", group["handler"], envelope["event_id"], exc
            )
            handle_event.apply_async(
                kwargs={"handler_name": group["handler"], "envelope": envelope, "topic": group["topic"]},
                countdown=_backoff(0),
            )
    except Exception as exc:
        # The broker is unreachable: run the whole batch again later (applied events are skipped).
        raise self.retry(exc=exc, countdown=settings.EVENT_HANDLER_BACKOFF_SECONDS) from exc
    return done


@shared_task
def relay_outbox() -> int:
    """Beat safety net next to the long-running relay: publish whatever is still unsent."""
    return relay.relay_pending()


@shared_task
def purge_published_events() -> int:
    return retention.purge_published_events()
