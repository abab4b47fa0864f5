"""Kafka adapters (kafka-python): the outbox publisher and the consumer that bridges events to Celery."""

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from eventbus.envelope import StoredEnvelope
from eventbus.metrics import CONSUMER_LAG
from eventbus.schemas import validate_envelope

from .ports import OutboundEvent

logger = logging.getLogger(__name__)


def encode(envelope: Mapping[str, Any]) -> bytes:
    if isinstance(envelope, StoredEnvelope):  # the outbox's own JSON text, sent unparsed
        return envelope.text.encode()
    return json.dumps(envelope, separators=(",", ":")).encode()


def headers_of(envelope: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    headers = [("event_type", envelope["type"].encode()), ("event_id", envelope["event_id"].encode())]
    if envelope.get("trace"):
        headers.append(("traceparent", envelope["trace"].encode()))
    return headers


class KafkaEventPublisher:
    """acks=all, retries, one request in flight per connection so retries cannot reorder a key's events.

    After a failed publish the producer is discarded and a new one made on the next call: a producer
    that lost its broker can be left in a fatal state (e.g. its idempotent producer id rejected).
    """

    def __init__(self, *, bootstrap_servers: list[str]) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._producer: KafkaProducer | None = None

    def _make_producer(self) -> KafkaProducer:
        return KafkaProducer(
            bootstrap_servers=self._bootstrap_servers,
            client_id=settings.KAFKA_CLIENT_ID,
            acks="all",
            retries=5,
            enable_idempotence=settings.KAFKA_ENABLE_IDEMPOTENCE,
            max_in_flight_requests_per_connection=1,
            linger_ms=5,
            max_block_ms=settings.KAFKA_PRODUCER_TIMEOUT_MS,
            request_timeout_ms=settings.KAFKA_PRODUCER_TIMEOUT_MS,
            delivery_timeout_ms=settings.KAFKA_PRODUCER_TIMEOUT_MS * 2,
        )

    def publish(self, events: Sequence[OutboundEvent]) -> None:
        timeout = settings.KAFKA_PRODUCER_TIMEOUT_MS / 1000
        try:
            producer = self._producer = self._producer or self._make_producer()
            futures = [
                producer.send(
                    event.topic,
                    key=event.key.encode(),
                    value=encode(event.envelope),
                    headers=headers_of(event.envelope),
                )
                for event in events
            ]
            producer.flush(timeout=timeout)
            for future in futures:
                future.get(timeout=timeout)  # raises if any was not acknowledged
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=1)


def ensure_topics(topics: Sequence[str], *, partitions: int | None = None) -> None:
    """Create missing topics (Kafka deployments may also create them up front)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, client_id=settings.KAFKA_CLIENT_ID)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in topics if name not in existing]
        if missing:
            new = [
                NewTopic(name, num_partitions=partitions or settings.KAFKA_TOPIC_PARTITIONS, replication_factor=1)
                for name in missing
            ]
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()


def make_consumer(*, topics: Sequence[str], group_id: str, **overrides: Any) -> KafkaConsumer:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.KAFKA_BOOTSTRAP_SERVERS,
        "client_id": settings.KAFKA_CLIENT_ID,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.KAFKA_SESSION_TIMEOUT_MS,
        "heartbeat_interval_ms": settings.KAFKA_HEARTBEAT_INTERVAL_MS,
        "max_poll_records": settings.KAFKA_MAX_POLL_RECORDS,
        "max_poll_interval_ms": settings.KAFKA_MAX_POLL_INTERVAL_MS,
        # How long the broker may hold a fetch open waiting for data: the floor of consumer latency.
        "fetch_max_wait_ms": settings.KAFKA_FETCH_MAX_WAIT_MS,
    } | overrides
    consumer = KafkaConsumer(**options)
    consumer.subscribe(list(topics))
    return consumer


class LagReporter:
    """Sets the consumer-lag gauge of a consumer's group (partition end minus position, summed per topic),
    at most every `every_seconds`: for the bridge and the analytics sink alike."""

    def __init__(self, consumer: KafkaConsumer, *, every_seconds: float = 5.0) -> None:
        self._consumer, self._every = consumer, every_seconds
        self._reported_at = float("-inf")

    def __call__(self, *, every_seconds: float | None = None) -> bool:
        """Report unless the last report is fresher than `every_seconds`; returns whether it reported."""
        now = time.monotonic()
        if now - self._reported_at < (self._every if every_seconds is None else every_seconds):
            return False
        self._reported_at = now
        lag: dict[str, int] = {}
        for partition in self._consumer.assignment():
            end = self._consumer.highwater(partition)
            if end is not None:
                lag[partition.topic] = lag.get(partition.topic, 0) + max(0, end - self._consumer.position(partition))
        group = self._consumer.config.get("group_id") or ""
        for topic, behind in lag.items():
            CONSUMER_LAG.labels(group=group, topic=topic).set(behind)
        return True


class KafkaBridge:
    """Polls Kafka and hands each poll's events on at once; offsets are committed only after the hand-off.

    `hand_off([(envelope, topic), …])` raising means "not handed off": the batch is rewound and polled
    again. A message that is not a valid envelope goes to `on_poison(raw, topic, error)` and is
    committed past.
    """

    def __init__(
        self,
        consumer: KafkaConsumer,
        *,
        hand_off: Callable[[list[tuple[dict[str, Any], str]]], object],
        on_poison: Callable[[bytes, str, str], None],
        report: Callable[[], object] | None = None,
    ) -> None:
        self._consumer = consumer
        self._hand_off = hand_off
        self._on_poison = on_poison
        self._report = report  # called with the lag report: more gauges of the consumer's view
        self._lag = LagReporter(consumer)

    def poll_once(self, *, timeout_ms: int = 1000, commit: bool = True) -> int:
        """Process one batch of messages; return how many were handed off.

        After the first messages arrive it keeps polling for KAFKA_BRIDGE_LINGER_MS (or up to
        max_poll_records), so a steady trickle becomes one batch per handler rather than a task per event.
        """
        batch = self._poll_batch(timeout_ms)
        events = []
        for partition, messages in batch.items():
            for message in messages:
                try:
                    envelope = json.loads(message.value)
                    validate_envelope(envelope)
                except (ValueError, TypeError) as exc:  # InvalidEvent is a ValueError
                    self._on_poison(message.value, partition.topic, f"{exc.__class__.__name__}: {exc}")
                    continue
                events.append((envelope, partition.topic))
        if events:
            try:
                self._hand_off(events)
            except Exception:
                self._rewind(batch)
                raise
        if batch and commit:
            self._consumer.commit()
        self.report_lag()
        return len(events)

    def _poll_batch(self, timeout_ms: int) -> dict[TopicPartition, list]:
        batch = self._consumer.poll(timeout_ms=timeout_ms)
        limit = self._consumer.config["max_poll_records"]
        count = sum(len(messages) for messages in batch.values())
        deadline = time.monotonic() + settings.KAFKA_BRIDGE_LINGER_MS / 1000
        while batch and count < limit and (left_ms := int((deadline - time.monotonic()) * 1000)) > 0:
            more = self._consumer.poll(timeout_ms=left_ms, max_records=limit - count)
            for partition, messages in more.items():
                batch.setdefault(partition, []).extend(messages)
                count += len(messages)
        return batch

    def report_lag(self, *, every_seconds: float | None = None) -> None:
        """Set the lag gauge and call `report`, at most every few seconds."""
        if self._lag(every_seconds=every_seconds) and self._report is not None:
            self._report()

    def _rewind(self, batch: dict[TopicPartition, list]) -> None:
        for partition, messages in batch.items():
            if messages:
                self._consumer.seek(partition, messages[0].offset)

    def close(self) -> None:
        self._consumer.close(autocommit=False)
