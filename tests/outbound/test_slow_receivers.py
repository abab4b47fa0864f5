"""Hostile receivers against the production roles (docker/entrypoint.sh: relay, consumer, worker,
deliveries, beat) on the real broker, Kafka and PostgreSQL.

One merchant's endpoint trickles a byte every few seconds and never finishes its headers; another's
streams an endless body. Each gets 100 deliveries, retried for the test's length (SLOW_RECEIVER_SECONDS,
60 by default; 300 for the figures in the issue). Meanwhile a merchant with a healthy receiver and one with
none keep paying: every payment is decided within 5 s, the healthy receiver gets every event, every
attempt ends within its deadline, no receiver has more than MAX_IN_FLIGHT connections, no delivery is sent
by two workers at once or more often than its attempts say, and the delivery worker's memory stays flat.
"""

import itertools
import os
import signal
import statistics
import subprocess
import time
import uuid

import pytest
import redis
from django.db.models import Min
from rest_framework.test import APIClient

from tests.conftest import payment
from tests.eventbus.test_scale_out import BROKER, ROOT, _environment
from transactions.api_keys import create_merchant
from transactions.models import Status, Transaction, TransactionEvent
from webhooks.models import WebhookDelivery
from webhooks.services import create_endpoint

from .receivers import HostileReceiver

DEADLINE = 3.0
IN_FLIGHT = 2
HOSTILE_DELIVERIES = 100
DECIDED_WITHIN = 5.0


def _start(role: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "docker/entrypoint.sh", role], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def _stop(process: subprocess.Popen) -> str:
    """SIGTERM to the role's own process (the entrypoint execs it): a Celery worker then finishes and records
    the attempts under way, so every connection a receiver saw has its attempt recorded."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0]


def _group_rss_mb(leader: int) -> float:
    """Resident memory of every process in the leader's process group (the worker and its children)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == leader:  # pgrp
                with open(f"/proc/{pid}/statm") as statm:
                    total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 2**20


def _client(name: str) -> tuple[APIClient, object]:
    merchant, issued = create_merchant(name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    return client, merchant


def _pay(client: APIClient) -> str:
    response = client.post("/transaction", data=payment(card_number="4000056655665556"), format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _decided_after(ids: list[str]) -> list[float]:
    created = dict(Transaction.objects.filter(pk__in=ids).values_list("pk", "created_at"))
    decided = dict(
        TransactionEvent.objects.filter(transaction_id__in=ids, from_status=Status.PENDING)
        .values("transaction_id")
        .annotate(at=Min("created_at"))
        .values_list("transaction_id", "at")
    )
    return [(decided[pk] - created[pk]).total_seconds() if pk in decided else float("inf") for pk in created]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_slow_and_endless_receivers_delay_no_payment_and_no_other_merchants_delivery(settings):
    seconds = float(os.environ.get("SLOW_RECEIVER_SECONDS", "60"))
    suffix = uuid.uuid4().hex[:8]
    env = _environment(suffix) | {
        "OUTBOUND_WEBHOOKS_DEADLINE_SECONDS": str(DEADLINE),
        "OUTBOUND_WEBHOOKS_BACKOFF_BASE_SECONDS": "1",
        "OUTBOUND_WEBHOOKS_BACKOFF_MAX_SECONDS": "4",
        "OUTBOUND_WEBHOOKS_MAX_IN_FLIGHT": str(IN_FLIGHT),
        "OUTBOUND_DISPATCH_INTERVAL_SECONDS": "1",
        "DELIVERY_CONCURRENCY": "6",
        "WORKER_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    settings.TOPIC_TRANSACTIONS, settings.TOPIC_DECISIONS = env["TOPIC_TRANSACTIONS"], env["TOPIC_DECISIONS"]
    redis.Redis.from_url(BROKER).flushdb()
    trickle, endless = HostileReceiver("trickle", interval=2.5).start(), HostileReceiver("endless").start()
    healthy = HostileReceiver("ok").start()
    hostile_clients = []
    for name, receiver in (("Trickle", trickle), ("Endless", endless)):
        client, merchant = _client(name)
        create_endpoint(merchant=merchant, url=receiver.url, events=["*"])
        hostile_clients.append(client)
    healthy_client, healthy_merchant = _client("Healthy")
    create_endpoint(merchant=healthy_merchant, url=healthy.url, events=["*"])
    quiet_client, _ = _client("No endpoint")

    roles = {role: _start(role, env) for role in ("relay", "consumer", "worker", "deliveries", "beat")}
    outputs: dict[str, str] = {}
    try:
        warm = _pay(quiet_client)  # the consumer's first group join on the in-memory broker
        until = time.monotonic() + 120
        while Transaction.objects.filter(pk=warm, status=Status.PENDING).exists() and time.monotonic() < until:
            time.sleep(0.2)
        for client in hostile_clients:
            for _ in range(HOSTILE_DELIVERIES):
                _pay(client)
        until = time.monotonic() + 60
        while WebhookDelivery.objects.exclude(endpoint__merchant=healthy_merchant).count() < 2 * HOSTILE_DELIVERIES:
            assert time.monotonic() < until, "the hostile deliveries were not recorded within a minute"
            time.sleep(0.5)
        time.sleep(5)  # the hostile sends under way
        rss_start = _group_rss_mb(roles["deliveries"].pid)

        quiet, paid_healthy = [], []
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            quiet.append(_pay(quiet_client))
            paid_healthy.append(_pay(healthy_client))
            time.sleep(1.0)
        time.sleep(DECIDED_WITHIN + 2)
        rss_end = _group_rss_mb(roles["deliveries"].pid)
    finally:
        for role in ("beat", "deliveries", "worker", "consumer", "relay"):
            outputs[role] = _stop(roles[role])
        for receiver in (trickle, endless, healthy):
            receiver.stop()

    logs = "\n".join(f"--- {role}\n{output[-2000:]}" for role, output in outputs.items())
    decided = _decided_after(quiet + paid_healthy)
    healthy_deliveries = list(WebhookDelivery.objects.filter(endpoint__merchant=healthy_merchant))
    delivered_after = [(d.delivered_at - d.created_at).total_seconds() for d in healthy_deliveries if d.delivered_at]
    hostile = [c for receiver in (trickle, endless) for c in receiver.connections]
    longest = max(c.closed - c.opened for c in hostile)
    attempts = dict(
        WebhookDelivery.objects.exclude(endpoint__merchant=healthy_merchant).values_list("event_id", "attempts")
    )
    print(
        f"\n{seconds:.0f} s: {len(decided)} payments of the other merchants decided in "
        f"p50 {statistics.median(decided):.2f} s, max {max(decided):.2f} s; healthy receiver: "
        f"{len(delivered_after)}/{len(healthy_deliveries)} delivered, max {max(delivered_after):.1f} s after the "
        "event; "
        f"hostile attempts: trickle {len(trickle.connections)}, endless {len(endless.connections)}, longest "
        f"{longest:.2f} s (deadline {DEADLINE:g} s); most open at once: trickle {trickle.max_open}, endless "
        f"{endless.max_open}; delivery worker RSS {rss_start:.0f} -> {rss_end:.0f} MB"
    )

    assert max(decided) <= DECIDED_WITHIN, logs
    assert len(delivered_after) == len(healthy_deliveries) >= len(paid_healthy), logs
    assert max(delivered_after) <= DECIDED_WITHIN + 5, logs
    assert longest <= DEADLINE + 1.0
    assert trickle.max_open <= IN_FLIGHT and endless.max_open <= IN_FLIGHT
    assert len(trickle.connections) >= seconds / DEADLINE  # tried all along, two at a time
    assert len(endless.connections) >= 2 * HOSTILE_DELIVERIES  # every delivery retried
    for receiver in (trickle, endless):
        by_event: dict[str, list] = {}
        for connection in receiver.connections:
            by_event.setdefault(connection.event_id, []).append(connection)
        for event_id, connections in by_event.items():
            assert len(connections) == attempts[event_id], event_id  # every send was a counted attempt
            spans = sorted((c.opened, c.closed) for c in connections)
            assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans)), event_id  # never twice
    assert rss_end <= rss_start * 1.25 + 20, (rss_start, rss_end)
