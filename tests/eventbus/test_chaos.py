"""Chaos: the relay, the consumer and the worker are killed (SIGKILL) mid-load and started again.

The worker dies holding messages it had not acknowledged, and the consumer lives on long enough to
commit past their events: only the broker's visibility timeout (minutes) or the recovery sweep can
bring those payments back. The sweep runs on beat, and once on its own when a worker starts, so it
works with beat down too. Every payment is decided within a minute of the restart, none twice.
"""

import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import redis
from django.db import connection
from django.db.models import Count
from rest_framework.test import APIClient

from antifraud.models import FraudDecision
from tests.conftest import payment
from tests.eventbus.test_scale_out import BROKER, ROOT, _environment
from transactions.api_keys import create_merchant
from transactions.models import Status, Transaction, TransactionEvent

RESTART_TO_DECIDED_SECONDS = 60


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # A session of its own, so SIGKILL reaches the worker's forked children too.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def _stopped(process: subprocess.Popen) -> str:
    """The output of a process asked to stop; one that is still running after 30 s is killed."""
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0] + "\n(did not stop within 30 s of SIGTERM: killed)"


def wait_until_decided(ids: list[str], *, since: float, within: float) -> tuple[int, float]:
    """How many of `ids` are still pending once all are decided or `within` s after `since` has passed,
    and the seconds since `since`."""
    while (left := Transaction.objects.filter(pk__in=ids, status=Status.PENDING).count()) and (
        time.monotonic() - since < within
    ):
        time.sleep(0.2)
    return left, time.monotonic() - since


def _kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("beat", [True, False], ids=["with-beat", "worker-sweeps-after-start"])
def test_killed_relay_consumer_and_worker_lose_no_payment_and_decide_none_twice(settings, beat):
    suffix = uuid.uuid4().hex[:8]
    env = {
        **_environment(suffix),
        "PENDING_REDRIVE_AFTER_SECONDS": "5",
        "PENDING_SWEEP_INTERVAL_SECONDS": os.environ.get("CHAOS_SWEEP", "2"),
        "LOG_LEVEL": "WARNING",
    }
    settings.TOPIC_TRANSACTIONS, settings.TOPIC_DECISIONS = env["TOPIC_TRANSACTIONS"], env["TOPIC_DECISIONS"]
    redis.Redis.from_url(BROKER).flushdb()
    _, issued = create_merchant(name="Chaos")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    pipeline_roles = {
        "relay": ["python", "manage.py", "relay_outbox"],
        "consumer": ["python", "manage.py", "consume_events"],
        "worker": ["celery", "-A", "payproc", "worker", "--pool", "prefork", "--concurrency", "2",
                   "-n", f"chaos-{suffix}@%h", "--loglevel", "WARNING"],
    }  # fmt: skip
    schedule = os.path.join(tempfile.mkdtemp(), "beat-schedule")
    # Without beat, the restarted worker's own sweep after its start must bring the lost payments back.
    beat_command = ["celery", "-A", "payproc", "beat", "--schedule", schedule, "--loglevel", "WARNING"]
    beat = _start(beat_command if beat else ["sleep", "600"], env)
    running = {name: _start(command, env) for name, command in pipeline_roles.items()}
    ids: list[str] = []
    stop = threading.Event()

    def load() -> None:  # payments keep coming while the roles die and come back
        try:
            while not stop.is_set():
                body = payment(merchant_reference=f"o-{len(ids)}")
                response = client.post("/transaction", data=body, format="json")
                assert response.status_code == 202
                ids.append(response.json()["id"])
                time.sleep(0.05)
        finally:
            connection.close()  # this thread's own connection

    sender = threading.Thread(target=load)
    try:
        deadline = time.monotonic() + 120  # the consumer's first group join on the in-memory broker
        client.post("/transaction", data=payment(), format="json")
        while Transaction.objects.filter(status=Status.PENDING).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        sender.start()
        time.sleep(3)
        # Kill while the worker holds messages it has not acknowledged: those are what a crash loses.
        broker = redis.Redis.from_url(BROKER)
        holding = time.monotonic() + 20
        while not broker.hlen("unacked") and time.monotonic() < holding:
            time.sleep(0.001)
        _kill(running["worker"])
        lost_messages = broker.hlen("unacked")
        time.sleep(1.5)  # the consumer commits past the lost messages' events: Kafka will not resend them
        _kill(running["relay"])
        _kill(running["consumer"])
        time.sleep(2)
        running = {name: _start(command, env) for name, command in pipeline_roles.items()}
        restarted = time.monotonic()
        time.sleep(3)
        stop.set()
        sender.join()
        left, drained_after = wait_until_decided(ids, since=restarted, within=RESTART_TO_DECIDED_SECONDS)
    finally:
        stop.set()
        for process in [beat, *running.values()]:
            os.killpg(process.pid, signal.SIGTERM)
        outputs = [_stopped(process) for process in [beat, *running.values()]]
    assert len(ids) > 50
    assert lost_messages > 0, "the worker held no message when it was killed"
    assert left == 0, f"{left} of {len(ids)} still pending {drained_after:.0f} s after the restart\n" + "\n".join(
        output[-1500:] for output in outputs
    )
    assert FraudDecision.objects.filter(transaction_id__in=ids).count() == len(ids)
    leaving_pending = TransactionEvent.objects.filter(transaction_id__in=ids, from_status=Status.PENDING)
    counts = leaving_pending.values("transaction_id").annotate(n=Count("id")).values_list("n", flat=True)
    assert set(counts) == {1}, "a payment was decided twice"
