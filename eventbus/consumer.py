"""Wiring of the Kafka → Celery bridge: poison messages go to the dead-letter topic; the depths of the
workers' queues (scoring and outbound deliveries) are exported with the consumer lag (a dead worker shows
as a growing queue, and PayprocCeleryBacklog fires per queue)."""

from collections.abc import Sequence

from django.conf import settings

from .adapters.kafka import KafkaBridge, ensure_topics, make_consumer
from .backlog import QueueDepth
from .bridge import hand_off
from .dead_letters import dead_letter_poison, dead_letter_topic


def build_bridge(*, group_id: str, topics: Sequence[str], **consumer_options: object) -> KafkaBridge:
    from payproc.celery import app

    ensure_topics(list(topics) + [dead_letter_topic(topic) for topic in topics])
    consumer = make_consumer(topics=topics, group_id=group_id, **consumer_options)
    depths = [QueueDepth(app, queue=queue) for queue in (app.conf.task_default_queue, settings.OUTBOUND_QUEUE)]
    return KafkaBridge(
        consumer, hand_off=hand_off, on_poison=dead_letter_poison, report=lambda: [depth() for depth in depths]
    )
