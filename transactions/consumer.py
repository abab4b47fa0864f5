"""Wiring of the Kafka → Celery bridge: poison messages go straight to the dead-letter topic."""

import logging
from collections.abc import Sequence

from .adapters import get_publisher
from .adapters.kafka import KafkaBridge, ensure_topics, make_consumer
from .adapters.ports import OutboundEvent
from .bridge import hand_off
from .events import DEAD_LETTER, build_envelope, dead_letter_topic

logger = logging.getLogger(__name__)


def send_poison_to_dlq(raw: bytes, topic: str, error: str) -> None:
    """A message no handler can read: keep it (as text) on the DLQ with the reason, then move on."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    envelope = build_envelope(
        event_type=DEAD_LETTER,
        key=f"poison:{topic}",
        data={"event": {"raw": text[:100_000]}, "topic": topic, "handler": "", "error": error[:2000], "attempts": 1},
    )
    get_publisher().publish([OutboundEvent(topic=dead_letter_topic(topic), key=envelope["key"], envelope=envelope)])
    logger.error("poison message on %s sent to %s: %s", topic, dead_letter_topic(topic), error)


def build_bridge(*, group_id: str, topics: Sequence[str], **consumer_options: object) -> KafkaBridge:
    ensure_topics(list(topics) + [dead_letter_topic(topic) for topic in topics])
    consumer = make_consumer(topics=topics, group_id=group_id, **consumer_options)
    return KafkaBridge(
        consumer, hand_off=lambda envelope, topic: hand_off(envelope, topic), on_poison=send_poison_to_dlq
    )
