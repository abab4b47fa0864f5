"""Published outbox rows are deleted once past their retention; unsent rows are kept however old."""

import uuid
from datetime import timedelta

from django.utils import timezone

from eventbus.models import OutboxEvent
from eventbus.retention import purge_published_events
from eventbus.tasks import purge_published_events as purge_task
from payproc.celery import app as celery_app


def _row(*, age: timedelta, published: bool) -> OutboxEvent:
    event_id = str(uuid.uuid4())
    row = OutboxEvent.objects.create(
        event_id=event_id, topic="t", key=event_id, event_type="test.event", envelope={"event_id": event_id}
    )
    created = timezone.now() - age
    OutboxEvent.objects.filter(pk=row.pk).update(created_at=created, published_at=created if published else None)
    return row


def test_old_published_rows_go_and_unsent_or_recent_rows_stay(db, settings):
    settings.OUTBOX_RETENTION_HOURS = 24
    old_sent = [_row(age=timedelta(hours=25), published=True) for _ in range(3)]
    old_unsent = _row(age=timedelta(days=30), published=False)
    recent_sent = _row(age=timedelta(hours=23), published=True)

    assert purge_task() == 3

    left = set(OutboxEvent.objects.values_list("pk", flat=True))
    assert left == {old_unsent.pk, recent_sent.pk}
    assert not left & {row.pk for row in old_sent}
    assert purge_published_events() == 0  # nothing more is due


def test_purges_in_batches_until_none_is_due(db):
    for _ in range(7):
        _row(age=timedelta(days=8), published=True)

    assert purge_published_events(older_than=timedelta(days=7), batch_size=2) == 7
    assert not OutboxEvent.objects.exists()


def test_a_bounded_run_leaves_the_rest_for_the_next(db):
    for _ in range(5):
        _row(age=timedelta(days=8), published=True)

    assert purge_published_events(older_than=timedelta(days=7), batch_size=2, max_batches=2) == 4
    assert OutboxEvent.objects.count() == 1


def test_beat_runs_the_purge_task_at_least_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purge-published-events"]
    assert celery_app.tasks[entry["task"]].name == purge_task.name == "eventbus.tasks.purge_published_events"
    assert entry["schedule"] <= 3600
