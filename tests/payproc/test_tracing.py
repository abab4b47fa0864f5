"""One payment, one trace: HTTP → outbox relay → Kafka consumer → scoring task share a trace id."""

import logging

import pytest
from kafka import KafkaConsumer, TopicPartition
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from rest_framework.test import APIClient

from antifraud.models import FraudDecision
from eventbus.adapters.kafka import KafkaBridge
from eventbus.bridge import hand_off
from eventbus.dead_letters import dead_letter_poison
from eventbus.models import OutboxEvent
from eventbus.relay import relay_pending
from payproc.http.logging import RequestIdFilter
from payproc.observability.tracing import current_traceparent
from tests.conftest import payment
from tests.eventbus.conftest import eventually, kafka  # noqa: F401 - the shared Kafka fixture
from tests.eventbus.test_kafka_celery_bridge import pump

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def provider() -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)  # once per process: OpenTelemetry keeps the first provider
    return provider


@pytest.fixture
def tracing(provider, settings):
    settings.TRACING_ENABLED = True
    DjangoInstrumentor().instrument()
    EXPORTER.clear()
    yield EXPORTER
    DjangoInstrumentor().uninstrument()


@pytest.mark.django_db(transaction=True)
def test_one_payment_is_one_trace_from_http_to_the_scoring_task(tracing, kafka, api_key, settings):  # noqa: F811
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key}")
    transaction_id = client.post("/transaction", payment(), format="json").json()["id"]
    created = OutboxEvent.objects.get(key=transaction_id, event_type="payments.transaction.created")
    assert created.envelope["trace"].startswith("00-")

    relay_pending()
    # The bridge over partitions assigned by hand: this test is about the trace, and a consumer group's
    # join on the in-memory broker can take a minute (group semantics are tested in tests/transactions).
    consumer = KafkaConsumer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, enable_auto_commit=False)
    assert eventually(lambda: consumer.partitions_for_topic(kafka["topic"]))
    consumer.assign([TopicPartition(kafka["topic"], p) for p in consumer.partitions_for_topic(kafka["topic"])])
    consumer.seek_to_beginning()
    bridge = KafkaBridge(consumer, hand_off=hand_off, on_poison=dead_letter_poison)
    try:
        pump(bridge, lambda: FraudDecision.objects.filter(transaction_id=transaction_id).exists(), commit=False)
    finally:
        bridge.close()

    spans = {span.name: span for span in tracing.get_finished_spans()}
    http = next(span for span in spans.values() if span.kind == trace.SpanKind.SERVER)
    names = {"publish payments.transaction.created", "consume payments.transaction.created", "handle antifraud.score"}
    assert names <= set(spans)
    assert {spans[name].context.trace_id for name in names} == {http.context.trace_id}
    assert spans["consume payments.transaction.created"].kind == trace.SpanKind.CONSUMER
    assert f"{http.context.trace_id:032x}" in created.envelope["trace"]


def test_log_lines_carry_the_trace_and_span_ids(tracing):
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        record = logging.LogRecord("payproc", logging.INFO, __file__, 1, "hello", None, None)
        RequestIdFilter().filter(record)
        assert record.trace_id == f"{span.get_span_context().trace_id:032x}"
        assert record.span_id == f"{span.get_span_context().span_id:016x}"


def test_tracing_off_puts_no_trace_in_events(settings):
    settings.TRACING_ENABLED = False
    with trace.get_tracer("test").start_as_current_span("work"):
        assert current_traceparent() is None


PROBE = """
import django, json
django.setup()
from django.conf import settings
from opentelemetry import trace
print(json.dumps({
    "provider": type(trace.get_tracer_provider()).__module__,
    "django_instrumented": any("opentelemetry" in m for m in settings.MIDDLEWARE),
}))
"""


@pytest.mark.parametrize(("endpoint", "sdk"), [("", False), ("http://127.0.0.1:4318", True)])
def test_tracing_is_set_up_only_when_an_exporter_is_configured(endpoint, sdk):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "payproc.settings.test", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["provider"].startswith("opentelemetry.sdk") is sdk
    assert probe["django_instrumented"] is sdk
