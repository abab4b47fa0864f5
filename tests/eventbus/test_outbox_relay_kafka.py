"""The outbox relay against the real Kafka-compatible broker."""

import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connections

from eventbus.models import OutboxEvent
from eventbus.outbox import enqueue_event
from eventbus.relay import outbox_backlog, relay_batch, relay_pending
from eventbus.schemas import validate_envelope
from tests.eventbus.conftest import envelopes, read_topic
from transactions.events import transaction_data
from transactions.models import Transaction
from transactions.services import transition_transaction


def test_payment_yields_exactly_one_created_event_with_a_valid_envelope(post_payment, kafka):
    tx_id = post_payment().json()["id"]

    assert relay_pending() == 1
    assert relay_pending() == 0

    messages = read_topic(kafka["topic"], expected=1)
    assert len(messages) == 1
    envelope = envelopes(messages)[0]
    validate_envelope(envelope)
    assert envelope["type"] == "payments.transaction.created"
    assert messages[0].key == tx_id.encode()
    assert dict(messages[0].headers)["event_type"] == b"payments.transaction.created"
    stored = OutboxEvent.objects.get()
    assert stored.published_at is not None
    # The stored JSON text is what was sent: the same envelope, its id in the header.
    assert envelope == stored.envelope
    assert dict(messages[0].headers)["event_id"] == stored.envelope["event_id"].encode()


def test_status_change_event_follows_created_on_the_same_partition(post_payment, kafka):
    tx_id = post_payment().json()["id"]
    transition_transaction(transaction_id=tx_id, to="review", actor="antifraud")
    transition_transaction(transaction_id=tx_id, to="declined", actor="user:ann")

    relay_pending()

    messages = read_topic(kafka["topic"], expected=3)
    assert len({m.partition for m in messages}) == 1
    ordered = sorted(messages, key=lambda m: m.offset)
    assert [(e["type"], e["data"]["status"]) for e in envelopes(ordered)] == [
        ("payments.transaction.created", "pending"),
        ("payments.transaction.status_changed", "review"),
        ("payments.transaction.status_changed", "declined"),
    ]


def test_relay_takes_one_event_per_key_per_batch_so_order_holds(post_payment, kafka):
    tx_id = post_payment().json()["id"]
    transition_transaction(transaction_id=tx_id, to="review", actor="antifraud")

    assert relay_batch() == 1  # only the head of the key: created
    assert relay_batch() == 1  # then status_changed
    assert relay_batch() == 0


def test_backlog_is_reported_and_relay_failure_leaves_rows_unsent(post_payment, kafka, client):
    post_payment()
    post_payment()

    class BrokenPublisher:
        def publish(self, events):
            raise ConnectionError("kafka is down")

    with pytest.raises(ConnectionError):
        relay_batch(publisher=BrokenPublisher())

    assert outbox_backlog().unsent == 2
    ready = client.get("/ready").json()
    assert ready["outbox"]["unsent"] == 2
    assert relay_pending() == 2
    assert client.get("/ready").json()["outbox"]["unsent"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_publish_each_row_once_and_keep_key_order(kafka, merchant):
    from tests.conftest import payment
    from transactions.services import PaymentRequest, create_transaction

    body = payment(amount=Decimal("49.99"))
    body.pop("customer")
    txs = [create_transaction(merchant=merchant, payment=PaymentRequest(**body)) for _ in range(30)]
    for tx in txs:  # more events per key, written in order
        for step in range(3):
            enqueue_event(
                event_type="payments.transaction.status_changed",
                key=str(tx.id),
                topic=kafka["topic"],
                data=transaction_data(Transaction.objects.get(pk=tx.id))
                | {"from_status": "pending", "version": step + 2, "actor": "test", "reason": "", "decline_reason": ""},
            )
    total = OutboxEvent.objects.count()
    published_by: dict[str, int] = defaultdict(int)
    errors: list[BaseException] = []

    def relay(name: str) -> None:
        try:
            while True:
                count = relay_batch(batch_size=7)
                published_by[name] += count
                if count == 0 and outbox_backlog().unsent == 0:
                    break
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=relay, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    assert published_by["a"] + published_by["b"] == total
    assert published_by["a"] > 0 and published_by["b"] > 0
    messages = read_topic(kafka["topic"], expected=total)
    ids = [e["event_id"] for e in envelopes(messages)]
    assert len(ids) == total == len(set(ids))
    outbox_order = {
        str(event_id): index
        for index, event_id in enumerate(OutboxEvent.objects.order_by("id").values_list("event_id", flat=True))
    }
    by_key: dict[bytes, list[int]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
        by_key[message.key].append(outbox_order[envelopes([message])[0]["event_id"]])
    assert all(positions == sorted(positions) for positions in by_key.values())
