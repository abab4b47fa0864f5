"""Replaying dead letters: put each dead-lettered event back on the topic it came from.

Handlers are idempotent, so the handlers that had succeeded skip it and the one that failed runs again.
"""

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .adapters import get_publisher
from .adapters.kafka import make_consumer
from .adapters.ports import OutboundEvent
from .event_schemas import InvalidEvent, validate_envelope
from .events import dead_letter_topic

logger = logging.getLogger(__name__)


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
