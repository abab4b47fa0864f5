"""Adapters behind the event ports: Kafka for deployments, in-process for the embedded default."""

import threading

from django.conf import settings

from .ports import EventPublisher

_kafka_publishers: dict[tuple[str, ...], EventPublisher] = {}
_lock = threading.Lock()


def get_publisher() -> EventPublisher:
    """Kafka when KAFKA_BOOTSTRAP_SERVERS is set (one producer per process), otherwise in-process."""
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        from .inprocess import InProcessPublisher

        return InProcessPublisher()
    servers = tuple(settings.KAFKA_BOOTSTRAP_SERVERS)
    with _lock:
        if servers not in _kafka_publishers:
            from .kafka import KafkaEventPublisher

            _kafka_publishers[servers] = KafkaEventPublisher(bootstrap_servers=list(servers))
        return _kafka_publishers[servers]


def close_publishers() -> None:
    """Flush and close the Kafka producers (process shutdown)."""
    with _lock:
        for publisher in _kafka_publishers.values():
            publisher.close()
        _kafka_publishers.clear()
