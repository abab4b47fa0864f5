"""Dead letters: events a handler gave up on, and messages nobody can read, kept on `<topic>.dlq`.

Writing one goes through the outbox, so it cannot be lost. Replaying puts each dead-lettered event
back on the topic it came from; handlers are idempotent, so the handlers that had succeeded skip it
and the one that failed runs again.
"""

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from .adapters import get_publisher
from .adapters.kafka import make_consumer
from .adapters.ports import OutboundEvent
from .metrics import DEAD_LETTERS
from .outbox import enqueue_event
from .schemas import InvalidEvent, validate_envelope

DEAD_LETTER = "payproc.dead_letter"

logger = logging.getLogger(__name__)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{settings.DLQ_SUFFIX}"


def dead_letter(*, envelope: dict[str, Any], topic: str, handler_name: str, error: Exception, attempts: int) -> None:
    """Put an event a handler gave up on on its topic's dead-letter queue."""
    _enqueue_dead_letter(
        key=str(envelope.get("key") or envelope.get("event_id")),
        topic=topic,
        reason="handler_gave_up",
        data={
            "event": envelope,
            "topic": topic,
            "handler": handler_name,
            "error": f"{error.__class__.__name__}: {error}"[:2000],
            "attempts": attempts,
        },
    )


def dead_letter_poison(raw: bytes, topic: str, error: str) -> None:
    """A message no handler can read: keep it (as text) on the DLQ with the reason, then move on."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    _enqueue_dead_letter(
        key=f"poison:{topic}",
        topic=topic,
        reason="unreadable",
        data={"event": {"raw": text[:100_000]}, "topic": topic, "handler": "", "error": error[:2000], "attempts": 1},
    )
    logger.error("poison message on %s sent to %s: %s", topic, dead_letter_topic(topic), error)


def _enqueue_dead_letter(*, key: str, topic: str, reason: str, data: dict[str, Any]) -> None:
    with transaction.atomic():
        enqueue_event(event_type=DEAD_LETTER, key=key, data=data, topic=dead_letter_topic(topic))
        transaction.on_commit(lambda: DEAD_LETTERS.labels(topic=topic, reason=reason).inc())


@dataclass(frozen=True, slots=True)
class ReplayResult:
    replayed: int
    skipped: int


def replay_dead_letters(
    *, topics: Sequence[str], group_id: str, idle_seconds: float = 3.0, max_wait_seconds: float = 120.0
) -> ReplayResult:
    """Consume the DLQs of `topics` until idle; republish valid events, skip unreadable ones."""
    consumer = make_consumer(topics=[dead_letter_topic(topic) for topic in topics], group_id=group_id)
    publisher = get_publisher()
    replayed = skipped = 0
    started = last_message = time.monotonic()
    try:
        while time.monotonic() - started < max_wait_seconds:
            batch = consumer.poll(timeout_ms=500)
            if not batch:
                if consumer.assignment() and time.monotonic() - last_message > idle_seconds:
                    break
                continue
            last_message = time.monotonic()
            outbound = []
            for messages in batch.values():
                for message in messages:
                    letter = json.loads(message.value)
                    event, topic = letter["data"]["event"], letter["data"]["topic"]
                    try:
                        validate_envelope(event)
                    except InvalidEvent as exc:
                        logger.warning("dead letter %s cannot be replayed: %s", letter["event_id"], exc)
                        skipped += 1
                        continue
                    outbound.append(OutboundEvent(topic=topic, key=event["key"], envelope=event))
            publisher.publish(outbound)
            consumer.commit()
            replayed += len(outbound)
    finally:
        consumer.close(autocommit=False)
    return ReplayResult(replayed=replayed, skipped=skipped)
