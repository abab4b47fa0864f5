"""A delivery worker killed mid-send (SIGKILL of the `deliveries` role) loses no attempt: the attempt was
counted before sending, the next dispatch after its lease finds it unrecorded and records it as lost, and
once the retry window has passed the delivery fails and its endpoint is disabled."""

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import redis
import time_machine
from django.utils import timezone

from antifraud.services.decisions import decide_transaction
from eventbus.models import OutboxEvent
from outbound import channels, engine
from tests.eventbus.test_scale_out import BROKER, ROOT, _environment
from webhooks.events import ENDPOINT_DISABLED
from webhooks.handlers import record_webhook_events
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import create_endpoint

from .receivers import HostileReceiver


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_has_its_attempt_counted_and_the_endpoint_disabled_after_the_window(
    merchant, post_payment, settings, monkeypatch
):
    monkeypatch.setattr("webhooks.recording.dispatch_soon", lambda channel: None)  # the worker sends, not this test
    hanging = HostileReceiver("hang").start()
    create_endpoint(merchant=merchant, url=hanging.url, events=["*"])
    tx_id = post_payment().json()["id"]
    decide_transaction(transaction_id=tx_id)
    record_webhook_events([e.envelope for e in OutboxEvent.objects.filter(key=tx_id).order_by("id")])
    delivery = WebhookDelivery.objects.get()
    env = _environment(uuid.uuid4().hex[:8]) | {
        "OUTBOUND_WEBHOOKS_DEADLINE_SECONDS": "60",
        "OUTBOUND_DISPATCH_INTERVAL_SECONDS": "1",
        "DELIVERY_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
    }
    redis.Redis.from_url(BROKER).flushdb()
    started = [
        subprocess.Popen(["sh", "docker/entrypoint.sh", role], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        for role in ("deliveries", "beat")
    ]  # fmt: skip
    try:
        until = time.monotonic() + 60
        while not hanging.open_now:  # the worker is sending: the receiver holds its connection
            assert time.monotonic() < until, "the delivery worker never sent"
            time.sleep(0.1)
        for process in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        hanging.stop()

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.sending, delivery.status) == (1, True, "pending")  # counted, unrecorded

    settings.OUTBOUND_WEBHOOKS_DEADLINE_SECONDS = 60
    later = timezone.now() + timedelta(seconds=settings.OUTBOUND_WEBHOOKS_RETRY_WINDOW_SECONDS + 120)
    with time_machine.travel(later):
        engine.dispatch(channels.get("webhooks"))

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.sending, delivery.status) == (1, False, "failed")
    assert delivery.last_error == engine.LOST and delivery.lease_token is None
    assert WebhookEndpoint.objects.get().status == "disabled"
    assert OutboxEvent.objects.filter(event_type=ENDPOINT_DISABLED).count() == 1
    assert len(hanging.connections) == 1
