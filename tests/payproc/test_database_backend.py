"""payproc's PostgreSQL backend: Django's, instrumented, with bulk inserts as multi-row VALUES."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eventbus.models import OutboxEvent

pytestmark = pytest.mark.django_db


def _events(count: int) -> list[OutboxEvent]:
    return [
        OutboxEvent(topic="t", key=f"k{n}", event_type="test", envelope={"n": n, "q": 'a "quoted" {value}'})
        for n in range(count)
    ]


def test_bulk_inserts_send_rows_as_values_not_unnest_arrays():
    assert connection.settings_dict["ENGINE"] == "payproc.db.postgresql"
    with CaptureQueriesContext(connection) as queries:
        created = OutboxEvent.objects.bulk_create(_events(3))

    inserts = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert "UNNEST" not in inserts[0]
    assert inserts[0].count("), (") == 2  # three rows of values
    # Ids come back as before, and the JSON arrives intact.
    assert all(event.pk for event in created)
    stored = OutboxEvent.objects.get(pk=created[2].pk)
    assert stored.envelope == {"n": 2, "q": 'a "quoted" {value}'}


def _executed() -> float:
    from django_prometheus.db.metrics import execute_total

    return sum(
        sample.value
        for metric in execute_total.collect()
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("vendor") == "postgresql"
    )


def test_queries_are_still_counted_by_django_prometheus():
    before = _executed()
    OutboxEvent.objects.bulk_create(_events(2))
    assert _executed() > before


def test_the_prepared_payment_insert_is_counted_too(post_payment):
    before = _executed()
    with CaptureQueriesContext(connection) as queries:
        post_payment()

    # The payment's insert runs on its own prepared cursor, counted like every other statement.
    assert _executed() - before == len(queries.captured_queries) > 0
