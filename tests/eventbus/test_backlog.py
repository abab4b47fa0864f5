"""The depth of the workers' queue, read from the real Redis broker and exported as a gauge."""

import uuid

import pytest
from prometheus_client import REGISTRY

from eventbus.backlog import QueueDepth
from payproc.celery import app


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task queues even in eager mode
def test_the_depth_counts_waiting_messages_and_is_exported():
    queue = f"depth-{uuid.uuid4().hex[:8]}"
    depth = QueueDepth(app, queue=queue, max_age_seconds=0)
    try:
        for _ in range(3):
            app.send_task("eventbus.tasks.relay_outbox", queue=queue)

        assert depth() == 3
        assert REGISTRY.get_sample_value("payproc_celery_queue_depth", {"queue": queue}) == 3
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task queues even in eager mode
def test_an_empty_queue_reads_as_zero_not_as_unknown(caplog):
    """The Redis transport deletes a queue's list once its last message is taken: that is depth 0, and the
    gauge must drop to it (a stale depth would keep the backlog alert firing)."""
    queue = f"depth-{uuid.uuid4().hex[:8]}"
    depth = QueueDepth(app, queue=queue, max_age_seconds=0)
    app.send_task("eventbus.tasks.relay_outbox", queue=queue)
    assert depth() == 1
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)

    assert depth() == 0
    assert REGISTRY.get_sample_value("payproc_celery_queue_depth", {"queue": queue}) == 0
    assert "could not read" not in caplog.text


def test_an_unreachable_broker_reads_as_unknown_not_as_an_error(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it to the broker given here
    unreachable = app.__class__("unreachable", broker="redis://127.0.0.1:1/0", set_as_current=False)
    unreachable.conf.broker_connection_retry = False
    unreachable.conf.broker_connection_max_retries = 0

    assert unreachable.connection_for_read().as_uri().endswith("@127.0.0.1:1/0")
    assert QueueDepth(unreachable, queue="celery", max_age_seconds=0)() is None
