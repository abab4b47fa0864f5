"""OpenTelemetry: set-up from the standard OTEL_* variables, and the trace context that rides in event
envelopes, so one payment is one trace from `POST /transaction` through the outbox, Kafka and Celery.

Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER) is set: then nothing is instrumented and
the helpers below return at once.
"""

import logging
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

logger = logging.getLogger(__name__)
_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("payproc")
_configured = False


def tracing_enabled() -> bool:
    return settings.TRACING_ENABLED


def configure_tracing(*, service_name: str | None = None) -> bool:
    """Install the OTLP exporter and the Django, Celery, psycopg and Redis instrumentations, once."""
    global _configured
    if _configured or not tracing_enabled():
        return _configured
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name or settings.OTEL_SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    instrument_libraries()
    _configured = True
    logger.info("tracing on: OTLP to %s", settings.OTEL_EXPORTER_OTLP_ENDPOINT or "the OTEL_* default")
    return True


def instrument_libraries() -> None:
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    DjangoInstrumentor().instrument()
    CeleryInstrumentor().instrument()
    PsycopgInstrumentor().instrument(enable_commenter=False)
    RedisInstrumentor().instrument()


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, for an event envelope (None when tracing is off)."""
    if not tracing_enabled():
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def _event_context(envelope: Mapping[str, Any]) -> otel_context.Context | None:
    traceparent = envelope.get("trace")
    return _propagator.extract({"traceparent": traceparent}) if traceparent else None


def _parent_context(envelope: Mapping[str, Any]) -> otel_context.Context | None:
    """Keep the active span as parent when there is one (e.g. Celery's); else continue the event's trace."""
    if trace.get_current_span().get_span_context().is_valid:
        return None
    return _event_context(envelope)


def event_span(name: str, envelope: Mapping[str, Any], *, kind: SpanKind = SpanKind.INTERNAL, **attributes: Any) -> Any:
    """A span continuing the trace an event carries (a no-op context when tracing is off)."""
    if not tracing_enabled():
        return nullcontext()
    attributes = {
        "payproc.event.type": envelope.get("type", ""),
        "payproc.event.id": envelope.get("event_id", ""),
        **attributes,
    }
    return _tracer.start_as_current_span(name, context=_parent_context(envelope), kind=kind, attributes=attributes)


def record_spans(
    spans: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]], *, kind: SpanKind, start_ns: int, end_ns: int
) -> None:
    """One span per (name, event, attributes), each in its event's trace, for work done on a whole batch at
    once (the relay publishes, the bridge hands off and batch handlers run per batch)."""
    if not tracing_enabled():
        return
    for name, envelope, attributes in spans:
        span = _tracer.start_span(
            name,
            context=_event_context(envelope),
            kind=kind,
            start_time=start_ns,
            attributes={
                "payproc.event.type": envelope.get("type", ""),
                "payproc.event.id": envelope.get("event_id", ""),
                **attributes,
            },
        )
        span.end(end_time=end_ns)


def record_publish(published: list[tuple[str, Mapping[str, Any]]], *, start_ns: int, end_ns: int) -> None:
    """One producer span per published (topic, event)."""
    record_spans(
        (
            (
                f"publish {envelope.get('type', '')}",
                envelope,
                {"messaging.system": "kafka", "messaging.destination.name": topic},
            )
            for topic, envelope in published
        ),
        kind=SpanKind.PRODUCER,
        start_ns=start_ns,
        end_ns=end_ns,
    )


def log_context() -> tuple[str, str]:
    """(trace_id, span_id) of the active span for log lines, or ("-", "-")."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return "-", "-"
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
