"""Analytics against the real ClickHouse (18.16 in `make test`) and the embedded database summary."""

import socket
import time
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from antifraud.adapters import describe_analytics
from antifraud.adapters.chdb_analytics import embedded_store
from antifraud.adapters.clickhouse import ClickHouseAnalytics
from antifraud.adapters.db_analytics import DatabaseAnalytics
from antifraud.adapters.ports import SummaryQuery
from antifraud.analytics import rows_from_events
from antifraud.analytics_sink import AnalyticsSink
from antifraud.models import FraudRule
from antifraud.services.decisions import decide_transaction
from antifraud.services.lists import add_list_entry
from antifraud.services.rule_sets import save_rule
from eventbus.adapters.kafka import make_consumer
from eventbus.models import OutboxEvent
from eventbus.relay import relay_pending
from tests.conftest import error_of
from transactions.models import Transaction
from transactions.refunds import reserve, settle


@pytest.fixture
def traffic(make_payment, thresholds, rule):
    """Four payments: approved, declined by the issuer, declined for fraud, and one in review."""
    rule("big", "amount_above", 60, thresholds={"USD": 100000})
    watch = FraudRule(name="watch", rule_type="amount_above", score=50, parameters={"thresholds": {"USD": 1500}})
    watch.mode = "shadow"  # would fire on the last three; never in their score
    save_rule(rule=watch, actor="test")
    approved = make_payment(amount="10.00")
    issuer_declined = make_payment(amount="20.00", card_number="4000000000000002")
    add_list_entry(list_type="block", kind="email", value="bad@example.com")
    fraud = make_payment(amount="30.00", customer={"email": "bad@example.com"})
    review = make_payment(amount="2000.00")
    for tx in (approved, issuer_declined, fraud, review):
        decide_transaction(transaction_id=tx.id)  # approvals go on to the sandbox provider at once
    assert Transaction.objects.get(pk=issuer_declined.pk).decline_reason == "do_not_honor"
    with transaction.atomic():  # 4.00 of the approved 10.00 back to the card
        refund = reserve(Transaction.objects.select_for_update().get(pk=approved.pk), amount_minor=400, reason="")
    assert settle(refund.id).status == "succeeded"
    return [OutboxEvent.objects.order_by("id")]


def _query(merchant, bucket: str = "hour") -> SummaryQuery:
    now = timezone.now()
    return SummaryQuery(
        merchant_id=str(merchant.pk), start=now - timedelta(hours=2), end=now + timedelta(hours=1), bucket=bucket
    )


def _envelopes() -> list[dict]:
    return [event.envelope for event in OutboxEvent.objects.order_by("id")]


def test_migrations_apply_once_and_are_recorded(clickhouse):
    assert clickhouse.migrate() == []  # already applied by the fixture
    assert clickhouse.applied_migrations() == ClickHouseAnalytics.migration_names()
    assert len(ClickHouseAnalytics.migration_names()) == 6
    tables = {name for (name,) in clickhouse.client.execute(f"SHOW TABLES FROM {clickhouse.database}")}
    assert {
        "payments",
        "fraud_decisions",
        "refunds",
        "labels",
        "payments_per_minute",
        "audit_entries",
        "schema_migrations",
    } <= tables


def test_clickhouse_summary_matches_the_database_and_redelivery_does_not_double_count(clickhouse, traffic, merchant):
    rows = rows_from_events(_envelopes())
    clickhouse.write(**rows._asdict())
    clickhouse.write(**rows._asdict())  # the same events delivered again

    from_clickhouse = clickhouse.summary(_query(merchant))
    from_database = DatabaseAnalytics().summary(_query(merchant))

    assert from_clickhouse.by_status == from_database.by_status == {"approved": 1, "declined": 2, "review": 1}
    assert from_clickhouse.volume == from_database.volume == {"USD": 1000}
    assert from_clickhouse.decisions == from_database.decisions == {"approve": 2, "decline": 1, "review": 1}
    assert from_clickhouse.top_rules == from_database.top_rules == [("big", 1), ("block_list", 1)]
    shadow = {"watch": {"approve": 1, "decline": 1, "review": 1}}  # the issuer's decline was approved by us
    assert from_clickhouse.shadow_rules == from_database.shadow_rules == shadow
    assert from_clickhouse.approval_rate == pytest.approx(1 / 3, abs=1e-4)
    assert from_clickhouse.fraud_rate == 0.25
    assert from_clickhouse.refunds == from_database.refunds == {"USD": 400}
    assert from_clickhouse.refund_count == from_database.refund_count == 1
    assert from_clickhouse.refund_rate == 1.0  # one refund for the one captured payment
    assert [point["approved"] for point in from_clickhouse.series if "approved" in point] == [1]


def test_per_minute_view_aggregates_by_merchant_currency_and_status(clickhouse, traffic, merchant):
    payments, decisions, *_ = rows_from_events(_envelopes())
    clickhouse.write(payments=payments + payments, decisions=decisions)

    rows = clickhouse.client.execute(
        f"SELECT status, sum(payments), sum(amount_minor) FROM {clickhouse.database}.payments_per_minute "
        "WHERE merchant_id = %(m)s GROUP BY status ORDER BY status",
        {"m": str(merchant.pk)},
    )

    assert rows == [("approved", 1, 1000), ("declined", 2, 5000), ("review", 1, 200000)]


@pytest.fixture
def chdb_store(settings, tmp_path):
    settings.CLICKHOUSE_URL = ""
    settings.ANALYTICS_EMBEDDED = "chdb"
    settings.CHDB_PATH = str(tmp_path / "chdb")
    return embedded_store()


def test_chdb_runs_the_same_sql_fed_from_the_outbox_and_never_double_counts(chdb_store, traffic, merchant):
    assert chdb_store.sync() == len(_envelopes())
    assert chdb_store.sync() == 0  # nothing new since the watermark
    chdb_store.write(**rows_from_events(_envelopes())._asdict())  # a replay of every event

    embedded, database = chdb_store.summary(_query(merchant)), DatabaseAnalytics().summary(_query(merchant))

    assert embedded.payments == database.payments == 4
    assert embedded.by_status == database.by_status
    assert embedded.volume == database.volume == {"USD": 1000}
    assert embedded.decisions == database.decisions
    assert embedded.refunds == database.refunds == {"USD": 400}
    assert embedded.top_rules == database.top_rules and ("big", 1) in embedded.top_rules
    assert embedded.shadow_rules == database.shadow_rules == {"watch": {"approve": 1, "decline": 1, "review": 1}}
    assert chdb_store.applied_migrations() == ClickHouseAnalytics.migration_names()
    assert "chDB" in describe_analytics()


@pytest.mark.parametrize("backend", ["clickhouse", "database", "chdb"])
def test_summary_endpoint(api, traffic, settings, request, backend):
    if backend == "clickhouse":
        store = request.getfixturevalue("clickhouse")
        store.write(**rows_from_events(_envelopes())._asdict())
    elif backend == "chdb":
        request.getfixturevalue("chdb_store")
    else:
        settings.CLICKHOUSE_URL = ""

    response = api.get(
        "/analytics/summary", {"bucket": "minute", "from": (timezone.now() - timedelta(hours=1)).isoformat()}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["payments"] == 4
    assert body["volume"] == [{"currency": "USD", "amount": "10.00", "amount_minor": 1000}]
    assert body["fraud_rate"] == 0.25
    assert (body["refunds"], body["refund_count"]) == ([{"currency": "USD", "amount": "4.00", "amount_minor": 400}], 1)
    assert body["top_rules"][0] == {"rule": "big", "fired": 1}
    assert body["series"] and body["bucket"] == "minute"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"bucket": "week"}, "invalid_bucket"),
        ({"from": "yesterday"}, "invalid_from"),
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "invalid_range"),
        ({"from": "2020-01-01T00:00:00Z", "bucket": "minute"}, "too_many_buckets"),
        # Outside the analytics store's DateTime: schemathesis found a year-724 range answered 503.
        ({"from": "0724-09-29T23:39:34+00:00", "to": "0724-09-30T23:39:34+00:00"}, "out_of_range"),
        ({"from": "2199-12-31T00:00:00Z", "to": "2200-01-01T00:00:00Z"}, "out_of_range"),
    ],
)
def test_summary_rejects_bad_parameters(api, params, code):
    response = api.get("/analytics/summary", params)

    assert response.status_code == 400
    assert error_of(response)["code"] == code


def test_summary_is_per_merchant(api, clickhouse, traffic):
    from rest_framework.test import APIClient

    from transactions.api_keys import create_merchant

    payments, decisions, *_ = rows_from_events(_envelopes())
    clickhouse.write(payments=payments, decisions=decisions)
    _, other = create_merchant(name="Other")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other.secret}")

    assert client.get("/analytics/summary").json()["payments"] == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sink_batches_events_from_kafka_and_rereads_a_batch_it_could_not_write(
    kafka, clickhouse, traffic, merchant, settings
):
    settings.TOPIC_DECISIONS = f"{kafka['topic']}.decisions"
    settings.TOPIC_FEATURES = f"{kafka['topic']}.features"
    OutboxEvent.objects.filter(event_type="antifraud.decision").update(topic=settings.TOPIC_DECISIONS)
    OutboxEvent.objects.filter(event_type="antifraud.features").update(topic=settings.TOPIC_FEATURES)
    relay_pending()
    topics = [kafka["topic"], settings.TOPIC_DECISIONS, settings.TOPIC_FEATURES]
    group = f"analytics-{uuid.uuid4().hex[:8]}"
    expected = OutboxEvent.objects.count()

    broken = ClickHouseAnalytics(host="127.0.0.1", port=_closed_port(), database=clickhouse.database)
    failing = AnalyticsSink(make_consumer(topics=topics, group_id=group), broken, batch_size=expected, flush_seconds=60)
    with pytest.raises(Exception):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            failing.poll_once(timeout_ms=200)
    failing.close()
    assert clickhouse.summary(_query(merchant)).payments == 0

    sink = AnalyticsSink(make_consumer(topics=topics, group_id=group), clickhouse, batch_size=10_000, flush_seconds=0.5)
    try:
        deadline = time.monotonic() + 60
        while sink.flushed_batches == 0 and time.monotonic() < deadline:
            sink.poll_once(timeout_ms=200)
    finally:
        sink.close()

    summary = clickhouse.summary(_query(merchant))
    assert summary.by_status == {"approved": 1, "declined": 2, "review": 1}
    assert summary.decisions == {"approve": 2, "decline": 1, "review": 1}
    [(with_features,)] = clickhouse.client.execute(f"SELECT count() FROM {clickhouse.database}.decision_features")
    assert with_features == 4  # every decision's model inputs, from their own topic
    # The sink's own group shows in the consumer-lag gauge: caught up after its flush.
    assert REGISTRY.get_sample_value("payproc_kafka_consumer_lag", {"group": group, "topic": kafka["topic"]}) == 0


def test_clickhouse_migrate_command_is_idempotent(clickhouse, capsys):
    from django.core.management import call_command

    clickhouse.client.execute(f"DROP DATABASE {clickhouse.database}")
    call_command("clickhouse_migrate")
    call_command("clickhouse_migrate")

    out = capsys.readouterr().out.splitlines()
    names = ClickHouseAnalytics.migration_names()
    assert out == [f"applied {len(names)}: {', '.join(names)}", "applied 0: nothing new"]
    assert clickhouse.applied_migrations() == names


def test_migrations_use_only_types_clickhouse_18_16_knows():
    from pathlib import Path

    from django.conf import settings

    sql = "".join(path.read_text() for path in Path(settings.CLICKHOUSE_MIGRATIONS_DIR).glob("*.sql"))
    assert "DateTime64" not in sql and "LowCardinality" not in sql


def test_an_unreachable_analytics_store_is_a_503_not_a_500(api, settings):
    settings.CLICKHOUSE_URL = f"clickhouse://127.0.0.1:{_closed_port()}/payproc"

    response = api.get("/analytics/summary")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "analytics_unavailable"


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
