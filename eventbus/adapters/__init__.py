"""Event publisher adapters (the port in ports.py): Kafka for deployments (kafka.py), in-process for the
embedded default (inprocess.py). get_publisher picks one; the relay and dead letters publish through it."""

import threading

from django.conf import settings

from .inprocess import HandOff, InProcessPublisher
from .ports import EventPublisher

_kafka_publishers: dict[tuple[str, ...], EventPublisher] = {}
_lock = threading.Lock()
_in_process_hand_off: list[HandOff] = []


def hand_in_process_events_to(hand_off: HandOff) -> None:
    """Where in-process events go: the bridge's hand-off, set by the app at start (as the consumer does)."""
    _in_process_hand_off[:] = [hand_off]


def get_publisher() -> EventPublisher:
    """Kafka when KAFKA_BOOTSTRAP_SERVERS is set (one producer per process), otherwise in-process."""
    if not settings.KAFKA_BOOTSTRAP_SERVERS:
        return InProcessPublisher(hand_off=_in_process_hand_off[0])
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
