"""Kafka → Celery bridge against the real broker, a real Redis-backed Celery worker and PostgreSQL."""

import json
import uuid
from collections.abc import Callable

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from eventbus.adapters.kafka import KafkaBridge
from eventbus.bridge import hand_off
from eventbus.consumer import build_bridge
from eventbus.dead_letters import replay_dead_letters
from eventbus.models import OutboxEvent, ProcessedEvent
from eventbus.relay import outbox_backlog, relay_pending
from tests.conftest import payment
from tests.eventbus.conftest import KAFKA, envelopes, eventually, read_topic
from transactions.events import TRANSACTION_CREATED
from transactions.models import Transaction


def pump(bridge: KafkaBridge, until: Callable[[], bool], *, timeout: float = 150.0, **poll: object) -> None:
    """Poll the bridge until `until()` holds."""
    # A second or more per poll: with shorter polls, a group join on the in-memory broker takes half a minute.
    assert eventually(lambda: bridge.poll_once(timeout_ms=1000, **poll) >= 0 and until(), timeout=timeout)


def _client(api_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


def _post(client: APIClient, reference: str) -> str:
    response = client.post("/transaction", data=payment(merchant_reference=reference), format="json")
    assert response.status_code == 202
    return response.json()["id"]


def _created_keys(calls) -> set[str]:
    return set(calls.keys)


@pytest.mark.django_db(transaction=True)
def test_embedded_default_runs_handlers_in_process_once(settings, handler_calls, api_key):
    settings.KAFKA_BOOTSTRAP_SERVERS = []
    settings.OUTBOX_INLINE_RELAY = True
    client = _client(api_key)

    tx_id = _post(client, "embedded-1")

    # created → scored (approve) → decision event → sandbox provider → approved, all in-process.
    assert handler_calls.keys == [tx_id]
    assert client.get(f"/transaction/{tx_id}").json()["status"] == "approved"
    # Only the test's own handler needs marks; the domain handlers are idempotent by design.
    assert set(ProcessedEvent.objects.values_list("handler", flat=True)) == {"tests.counter"}
    assert outbox_backlog().unsent == 0
    assert relay_pending() == 0


def test_bridge_hands_events_to_the_worker_and_commits_after(kafka, celery_worker, handler_calls, api_key):
    client = _client(api_key)
    ids = {_post(client, f"order-{i}") for i in range(5)}
    relay_pending()
    bridge = build_bridge(group_id=kafka["group"], topics=[kafka["topic"]])
    try:
        pump(bridge, lambda: _created_keys(handler_calls) == ids)
    finally:
        bridge.close()

    assert all(count == 1 for count in handler_calls.applied.values())
    assert ProcessedEvent.objects.filter(handler="tests.counter").count() == 5
    admin = KafkaAdminClient(bootstrap_servers=KAFKA)
    try:
        offsets = admin.list_group_offsets(kafka["group"])[kafka["group"]]
    finally:
        admin.close()
    assert sum(meta.offset for meta in offsets.values()) == 5


def test_consumer_crash_between_processing_and_commit_redelivers_and_handler_stays_idempotent(
    kafka, celery_worker, handler_calls, api_key
):
    client = _client(api_key)
    ids = {_post(client, f"order-{i}") for i in range(4)}
    relay_pending()
    deliveries: list[str] = []

    def counting_hand_off(events: list[tuple[dict, str]]) -> None:
        deliveries.extend(envelope["event_id"] for envelope, _ in events)
        hand_off(events)

    def bridge() -> KafkaBridge:
        consumer = build_bridge(group_id=kafka["group"], topics=[kafka["topic"]])._consumer
        return KafkaBridge(consumer, hand_off=counting_hand_off, on_poison=lambda *a: None)

    crashed = bridge()
    pump(crashed, lambda: _created_keys(handler_calls) == ids, commit=False)
    crashed.close()  # dies before committing: nothing was acknowledged to Kafka

    restarted = bridge()
    try:
        pump(restarted, lambda: len(deliveries) >= 8)
    finally:
        restarted.close()

    assert len(deliveries) == 8  # every event was delivered twice
    assert eventually(lambda: ProcessedEvent.objects.filter(handler="tests.counter").count() == 4)
    assert sorted(handler_calls.applied.values()) == [1, 1, 1, 1]  # but applied once


def test_broker_killed_mid_stream_loses_no_accepted_payment(
    settings, own_broker, celery_worker, handler_calls, api_key, client
):
    topic = f"payments.transactions.{uuid.uuid4().hex[:8]}"
    settings.TOPIC_TRANSACTIONS = topic
    settings.KAFKA_PRODUCER_TIMEOUT_MS = 1500
    merchant_client = _client(api_key)
    group = f"bridge-{uuid.uuid4().hex[:8]}"

    before = {_post(merchant_client, f"before-{i}") for i in range(5)}
    relay_pending()
    bridge = build_bridge(group_id=group, topics=[topic])
    pump(bridge, lambda: _created_keys(handler_calls) == before)
    bridge.close()

    own_broker.kill()
    during = {_post(merchant_client, f"during-{i}") for i in range(5)}  # the API keeps accepting payments
    with pytest.raises(Exception):
        relay_pending()
    unsent_created = OutboxEvent.objects.filter(published_at__isnull=True, event_type=TRANSACTION_CREATED)
    assert set(unsent_created.values_list("key", flat=True)) == during
    assert client.get("/ready").json()["outbox"]["unsent"] >= 5  # plus the scoring of the earlier payments
    assert Transaction.objects.count() == 10

    own_broker.start()  # an empty broker: the in-memory test broker keeps nothing across restarts
    assert eventually(lambda: _relay_quietly() == 0 and outbox_backlog().unsent == 0, timeout=60)
    bridge = build_bridge(group_id=group, topics=[topic])
    try:
        pump(bridge, lambda: _created_keys(handler_calls) == before | during)
    finally:
        bridge.close()

    assert len(handler_calls.applied) == 10
    assert all(count == 1 for count in handler_calls.applied.values())


def _relay_quietly() -> int:
    try:
        return relay_pending()
    except Exception:  # noqa: BLE001 - the broker may still be starting
        return -1


def test_failing_handler_dead_letters_the_event_and_replay_puts_it_back(
    kafka, celery_worker, handler_calls, api_key, settings
):
    settings.EVENT_HANDLER_MAX_RETRIES = 2
    client = _client(api_key)
    good, bad = _post(client, "good"), _post(client, "bad")
    handler_calls.fail_for.add(bad)
    relay_pending()
    producer = KafkaProducer(bootstrap_servers=KAFKA)
    producer.send(kafka["topic"], key=b"junk", value=b"{not an envelope").get(timeout=10)
    producer.close(timeout=5)

    def dead_letters(reason: str) -> float:
        labels = {"topic": kafka["topic"], "reason": reason}
        return REGISTRY.get_sample_value("payproc_dead_letters_total", labels) or 0.0

    bridge = build_bridge(group_id=kafka["group"], topics=[kafka["topic"]])
    try:
        # Both dead letters (the poison message and the refused event) go through the outbox.
        pump(bridge, lambda: OutboxEvent.objects.filter(topic=f"{kafka['topic']}.dlq").count() == 2)
        assert (dead_letters("handler_gave_up"), dead_letters("unreadable")) == (1, 1)
        relay_pending()
        letters = envelopes(read_topic(f"{kafka['topic']}.dlq", expected=2))
        assert len(letters) == 2
        failed = next(letter for letter in letters if letter["data"]["handler"] == "tests.counter")
        poison = next(letter for letter in letters if letter["data"]["handler"] == "")
        assert failed["data"]["event"]["key"] == bad
        assert failed["data"]["event"]["type"] == TRANSACTION_CREATED
        assert failed["data"]["attempts"] == 3
        assert "handler refuses" in failed["data"]["error"]
        assert "{not an envelope" in json.dumps(poison["data"]["event"])
        assert handler_calls.keys == [good]

        handler_calls.fail_for.clear()
        result = replay_dead_letters(topics=[kafka["topic"]], group_id=f"replay-{kafka['group']}", idle_seconds=2)
        assert (result.replayed, result.skipped) == (1, 1)

        pump(bridge, lambda: bad in handler_calls.keys)
    finally:
        bridge.close()
    assert sorted(handler_calls.keys) == sorted([good, bad])
    assert all(count == 1 for count in handler_calls.applied.values())
