"""Prometheus metrics: a payment moves the business counters; /metrics is for the internal network only."""

import socket
import urllib.request

import pytest
from django.test import Client
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from eventbus.adapters.kafka import ensure_topics
from eventbus.consumer import build_bridge
from eventbus.relay import relay_pending
from payproc.observability.process import serve_process_metrics
from tests.conftest import payment
from tests.eventbus.conftest import handler_calls, kafka  # noqa: F401 - shared fixtures
from tests.eventbus.test_kafka_celery_bridge import pump


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def embedded(settings, transactional_db, api_key):
    settings.KAFKA_BOOTSTRAP_SERVERS = []
    settings.OUTBOX_INLINE_RELAY = True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    return client


def test_a_payment_moves_the_business_counters(embedded):
    watched = {
        "pending": ("payproc_payments_total", {"status": "pending", "currency": "EUR"}),
        "approved": ("payproc_payments_total", {"status": "approved", "currency": "EUR"}),
        "volume": ("payproc_payment_amount_minor_total", {"status": "approved", "currency": "EUR"}),
        "decision": ("payproc_fraud_decisions_total", {"decision": "approve"}),
        "latency": ("payproc_decision_latency_seconds_count", {}),
        "provider": (
            "payproc_provider_calls_total",
            {"provider": "sandbox", "operation": "authorize", "outcome": "approved"},
        ),
        "handler": ("payproc_event_handler_runs_total", {"handler": "antifraud.score", "outcome": "applied"}),
        "published": ("payproc_outbox_published_events_total", {"topic": "payments.transactions"}),
    }
    before = {key: sample(name, **labels) for key, (name, labels) in watched.items()}

    response = embedded.post("/transaction", payment(amount="12.34", currency="EUR"), format="json")
    assert response.status_code == 202

    moved = {key: sample(name, **labels) - before[key] for key, (name, labels) in watched.items()}
    assert moved == {
        "pending": 1,
        "approved": 1,
        "volume": 1234,
        "decision": 1,
        "latency": 1,
        "provider": 1,
        "handler": 1,
        "published": 2,
    }  # created and status_changed


def test_metrics_endpoint_serves_internal_callers_with_route_templates_not_ids(embedded):
    created = embedded.post("/transaction", payment(), format="json").json()
    embedded.get(f"/transaction/{created['id']}")

    response = Client(REMOTE_ADDR="10.1.2.3").get("/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert "payproc_outbox_unsent_events 0.0" in text
    assert 'payproc_incidents_open{severity="critical"} 0.0' in text
    assert "django_http_requests_total_by_view_transport_method_total" in text
    assert created["id"] not in text


def test_metrics_endpoint_refuses_the_public_and_accepts_the_token(db, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    public = Client(REMOTE_ADDR="203.0.113.9")

    assert public.get("/metrics").status_code == 403
    assert public.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert public.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_worker_processes_serve_their_metrics_on_a_port_of_their_own(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert serve_process_metrics("relay", port=port) == port

    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()

    assert "payproc_payments_total" in body and "payproc_celery_tasks_total" in body


def test_celery_task_outcomes_are_counted(db):
    from alerts.tasks import escalate_incidents

    before = sample("payproc_celery_tasks_total", task="alerts.tasks.escalate_incidents", outcome="success")
    escalate_incidents.delay()
    assert sample("payproc_celery_tasks_total", task="alerts.tasks.escalate_incidents", outcome="success") == before + 1


@pytest.mark.django_db(transaction=True)
def test_consumer_lag_is_reported_per_group_and_topic(kafka, settings, api_key, handler_calls):  # noqa: F811
    settings.KAFKA_TOPIC_PARTITIONS = 1  # one partition: the lag is exactly what is left of it
    ensure_topics([kafka["topic"]])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    for number in range(5):
        response = client.post("/transaction", payment(merchant_reference=f"lag-{number}"), format="json")
        assert response.status_code == 202
    relay_pending()
    bridge = build_bridge(group_id=kafka["group"], topics=[kafka["topic"]], max_poll_records=2)
    lag = {"group": kafka["group"], "topic": kafka["topic"]}
    try:
        pump(bridge, lambda: len(handler_calls.keys) >= 2, commit=False)
        bridge.report_lag(every_seconds=0)
        assert sample("payproc_kafka_consumer_lag", **lag) == 5 - len(handler_calls.keys) > 0

        pump(bridge, lambda: len(handler_calls.keys) == 5)
        bridge.report_lag(every_seconds=0)
        assert sample("payproc_kafka_consumer_lag", **lag) == 0
        import redis

        waiting = redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(settings.OUTBOUND_QUEUE)
        depth = REGISTRY.get_sample_value("payproc_celery_queue_depth", {"queue": settings.OUTBOUND_QUEUE})
        assert depth == waiting  # the deliveries queue is read beside the lag
    finally:
        bridge.close()
