"""Wiring of the Kafka → Celery bridge: poison messages go to the dead-letter topic."""

from collections.abc import Sequence

from .adapters.kafka import KafkaBridge, ensure_topics, make_consumer
from .bridge import hand_off
from .dead_letters import dead_letter_poison, dead_letter_topic


def build_bridge(*, group_id: str, topics: Sequence[str], **consumer_options: object) -> KafkaBridge:
    ensure_topics(list(topics) + [dead_letter_topic(topic) for topic in topics])
    consumer = make_consumer(topics=topics, group_id=group_id, **consumer_options)
    return KafkaBridge(consumer, hand_off=hand_off, on_poison=dead_letter_poison)
