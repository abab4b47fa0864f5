"""Hand an event to each of its handlers as a Celery task. Used by the Kafka consumer and in-process."""

from typing import Any

from opentelemetry.trace import SpanKind

from payproc.observability.tracing import event_span

from . import dispatch
from .metrics import EVENTS_HANDED_OFF
from .tasks import handle_event


def hand_off(envelope: dict[str, Any], topic: str) -> int:
    """Queue one task per handler of the event's type; raises if the task broker is unreachable."""
    handlers = dispatch.handlers_for(envelope["type"])
    with event_span(f"consume {envelope['type']}", envelope, kind=SpanKind.CONSUMER, **{"messaging.source": topic}):
        for handler in handlers:
            handle_event.apply_async(kwargs={"handler_name": handler.name, "envelope": envelope, "topic": topic})
    EVENTS_HANDED_OFF.labels(topic=topic).inc()
    return len(handlers)
