"""Scale-out: two relays, two consumers (one group) and two workers on the real broker and Redis.

Payments flow through the whole pipeline while every role runs twice: each payment is decided exactly
once, and each payment's events reach Kafka in order.
"""

import os
import signal
import subprocess
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from antifraud.models import FraudDecision
from eventbus.models import OutboxEvent
from tests.conftest import payment
from tests.eventbus.conftest import KAFKA, envelopes, eventually, read_topic
from transactions.api_keys import create_merchant
from transactions.models import Status, Transaction, TransactionEvent

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/13"  # a Celery queue of this test's own
PAYMENTS = 40


def _environment(suffix: str) -> dict[str, str]:
    database = connection.settings_dict
    topics = {
        "TOPIC_TRANSACTIONS": f"payments.transactions.{suffix}",
        "TOPIC_DECISIONS": f"antifraud.decisions.{suffix}",
    }
    return {
        **os.environ,
        **topics,
        "DJANGO_SETTINGS_MODULE": "payproc.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "KAFKA_CONSUMER_GROUP": f"bridge-{suffix}",
        "KAFKA_TOPIC_PARTITIONS": "4",
        "EVENT_BRIDGE_TOPICS": ",".join(topics.values()),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_of_every_pipeline_role_decide_each_payment_once_and_keep_order_per_key(settings):
    suffix = uuid.uuid4().hex[:8]
    env = _environment(suffix)
    settings.TOPIC_TRANSACTIONS, settings.TOPIC_DECISIONS = env["TOPIC_TRANSACTIONS"], env["TOPIC_DECISIONS"]
    redis.Redis.from_url(BROKER).flushdb()
    _, issued = create_merchant(name="Scale")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    commands = [
        ["python", "manage.py", "relay_outbox"],
        ["python", "manage.py", "relay_outbox"],
        ["python", "manage.py", "consume_events"],
        ["python", "manage.py", "consume_events"],
        ["celery", "-A", "payproc", "worker", "--pool", "solo", "-n", f"one-{suffix}@%h", "--loglevel", "WARNING"],
        ["celery", "-A", "payproc", "worker", "--pool", "solo", "-n", f"two-{suffix}@%h", "--loglevel", "WARNING"],
    ]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for command in commands
    ]
    try:
        ids = []
        for i in range(PAYMENTS):  # a steady stream while the consumers join their group
            response = client.post("/transaction", data=payment(merchant_reference=f"order-{i}"), format="json")
            assert response.status_code == 202
            ids.append(response.json()["id"])
            time.sleep(0.1)
        # Every payment decided, and the events of its last change published, before the roles stop.
        decided = eventually(
            lambda: (
                not Transaction.objects.filter(pk__in=ids, status=Status.PENDING).exists()
                and not OutboxEvent.objects.filter(published_at__isnull=True, key__in=ids).exists()
            ),
            timeout=150,
        )
        assert all(process.poll() is None for process in processes), "a role died"
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=60)[0] for process in processes]
    assert decided, "\n".join(output[-2000:] for output in outputs)

    # Nothing decided twice: one decision and one transition out of `pending` per payment.
    assert FraudDecision.objects.filter(transaction_id__in=ids).count() == PAYMENTS
    leaving_pending = TransactionEvent.objects.filter(transaction_id__in=ids, from_status=Status.PENDING)
    assert set(leaving_pending.values("transaction_id").annotate(n=Count("id")).values_list("n", flat=True)) == {1}
    assert set(Transaction.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.APPROVED}

    # Order per key: on the topic, each payment's `created` comes first, then its versions in order.
    events = envelopes(read_topic(env["TOPIC_TRANSACTIONS"], expected=2 * PAYMENTS, timeout=30))
    by_key: dict[str, list[dict]] = defaultdict(list)
    for envelope in events:
        by_key[envelope["key"]].append(envelope)
    assert set(by_key) == set(ids)
    for key, stream in by_key.items():
        kinds = [(e["type"].rsplit(".", 1)[-1], e["data"].get("version", 1)) for e in stream]
        assert kinds[0] == ("created", 1), key
        assert [version for _, version in kinds] == sorted(version for _, version in kinds), key
