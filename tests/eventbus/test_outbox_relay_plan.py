"""How the relay's batch query reads the outbox on PostgreSQL, once rows have been published."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eventbus.models import OutboxEvent
from eventbus.relay import relay_batch


def _rows(count: int, prefix: str) -> list[OutboxEvent]:
    rows = []
    for number in range(count):
        event_id = str(uuid.uuid4())
        envelope = {"event_id": event_id, "type": "test.event", "trace": {}, "data": {"pad": "x" * 500}}
        rows.append(
            OutboxEvent(
                event_id=event_id, topic="t", key=f"{prefix}{number}", event_type="test.event", envelope=envelope
            )
        )
    return rows


class PlanProbe:
    """A publisher that, inside the relay's transaction, asks PostgreSQL how it ran the batch query."""

    def __init__(self, captured: CaptureQueriesContext) -> None:
        self.captured, self.plan, self.published = captured, "", 0

    def publish(self, events) -> None:
        sql = next(q["sql"] for q in self.captured.captured_queries if "SELECT" in q["sql"])
        batch_query = sql[sql.index("SELECT") :]  # after the SET LOCAL sent in the same round trip
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {batch_query}")
            self.plan = "\n".join(line for (line,) in cursor.fetchall())
        self.published += len(events)


def test_batch_query_scans_the_unsent_index_in_order_not_by_bitmap(db):
    """Rows published earlier leave dead entries in the partial indexes; a bitmap scan would visit the heap
    behind each of them on every batch, which is the plan PostgreSQL picks here when left to itself."""
    OutboxEvent.objects.bulk_create(_rows(3000, "sent"))
    OutboxEvent.objects.update(published_at=timezone.now())
    OutboxEvent.objects.bulk_create(_rows(20, "new"))

    with CaptureQueriesContext(connection) as captured:
        probe = PlanProbe(captured)
        assert relay_batch(publisher=probe) == 20

    assert probe.published == 20
    assert "Bitmap" not in probe.plan
    assert "Index Scan using outbox_unpublished on" in probe.plan
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
