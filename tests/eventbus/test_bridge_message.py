"""What a handed-off batch's task message shows of its events in logs and monitoring."""

import pytest
from celery.signals import before_task_publish

from eventbus.bridge import hand_off
from eventbus.models import OutboxEvent
from payproc.celery import app as celery_app


@pytest.fixture
def published_headers():
    """Task messages really published (not run eagerly), their headers recorded; the queue emptied after."""
    published: list[dict] = []

    def record(headers: dict | None = None, **_: object) -> None:
        published.append(headers or {})

    before_task_publish.connect(record, weak=False)
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        yield published
    finally:
        celery_app.conf.task_always_eager = eager
        before_task_publish.disconnect(record)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(celery_app.conf.task_default_queue)


def test_the_task_names_its_events_count_and_handlers_not_their_contents(make_payment, published_headers):
    for _ in range(3):
        make_payment()
    envelopes = [row.envelope for row in OutboxEvent.objects.all()]

    hand_off([(envelope, "payments") for envelope in envelopes])

    (headers,) = published_headers
    assert headers["task"] == "eventbus.tasks.handle_batch"
    assert headers["kwargsrepr"].startswith("<3 events for ")
    assert "antifraud.score" in headers["kwargsrepr"]
    assert not any(envelope["event_id"] in headers["kwargsrepr"] for envelope in envelopes)
