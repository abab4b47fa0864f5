"""The long-running processes: `relay_outbox` and `consume_events` as real subprocesses, stopped by SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from eventbus.models import OutboxEvent
from tests.eventbus.conftest import envelopes, eventually, read_topic

ROOT = Path(__file__).resolve().parents[2]


def _process_env(topic: str) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "payproc.settings.test",
        # The subprocess must see this test's database (pytest-django's test_ copy).
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "KAFKA_BOOTSTRAP_SERVERS": ",".join(django_settings.KAFKA_BOOTSTRAP_SERVERS),
        "TOPIC_TRANSACTIONS": topic,
        "EVENT_BRIDGE_TOPICS": topic,
        "OUTBOX_POLL_INTERVAL_SECONDS": "0.1",
    }


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_relay_process_publishes_and_stops_cleanly_on_sigterm(kafka, merchant, api_key):
    from rest_framework.test import APIClient

    from tests.conftest import payment

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    ids = [client.post("/transaction", data=payment(), format="json").json()["id"] for _ in range(3)]

    relay = _start(["relay_outbox"], _process_env(kafka["topic"]))
    try:
        assert eventually(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(), timeout=30)
        later = client.post("/transaction", data=payment(), format="json").json()["id"]  # published while running
        assert eventually(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(), timeout=30)
    finally:
        relay.send_signal(signal.SIGTERM)
        output, _ = relay.communicate(timeout=30)

    assert relay.returncode == 0, output
    assert "relay stopped" in output
    assert sorted(e["key"] for e in envelopes(read_topic(kafka["topic"], expected=4))) == sorted([*ids, later])


@pytest.mark.django_db(transaction=True)
def test_relay_wakes_when_events_are_committed_not_when_its_poll_comes(kafka, merchant, api_key):
    from rest_framework.test import APIClient

    from tests.conftest import payment

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    env = _process_env(kafka["topic"]) | {"OUTBOX_POLL_INTERVAL_SECONDS": "60"}  # polling alone would take a minute
    relay = _start(["relay_outbox"], env)
    try:
        client.post("/transaction", data=payment(), format="json")
        assert eventually(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(), timeout=20)
        time.sleep(1)  # now idle, waiting for a notification
        started = time.monotonic()
        client.post("/transaction", data=payment(), format="json")
        assert eventually(lambda: not OutboxEvent.objects.filter(published_at__isnull=True).exists(), timeout=20)
        waited = time.monotonic() - started
    finally:
        relay.send_signal(signal.SIGTERM)
        output, _ = relay.communicate(timeout=90)

    assert waited < 10, output
    assert relay.returncode == 0, output


@pytest.mark.django_db(transaction=True)
def test_consumer_process_stops_cleanly_on_sigterm(kafka):
    consumer = _start(["consume_events"], _process_env(kafka["topic"]))
    time.sleep(3)  # let it join its group
    consumer.send_signal(signal.SIGTERM)
    output, _ = consumer.communicate(timeout=60)

    assert consumer.returncode == 0, output
    assert "consumer stopped" in output


def test_consume_events_refuses_to_start_without_kafka(settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.KAFKA_BOOTSTRAP_SERVERS = []
    with pytest.raises(CommandError, match="KAFKA_BOOTSTRAP_SERVERS"):
        call_command("consume_events")


def test_beat_runs_the_relay_safety_net_and_key_purge():
    from payproc.celery import app

    app.loader.import_default_modules()  # what a worker or beat does at start: discover every app's tasks
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"eventbus.tasks.relay_outbox", "transactions.tasks.purge_idempotency_keys"} <= tasks
    assert tasks <= set(app.tasks)


def test_relay_task_publishes_pending_events(post_payment, kafka):
    from eventbus.tasks import relay_outbox

    post_payment()

    assert relay_outbox.delay().get() == 1
    assert read_topic(kafka["topic"], expected=1)
