"""Hand consumed events to their handlers as one Celery task per batch, grouped by handler and topic.

Used by the Kafka consumer (a poll's worth of messages) and by the in-process publisher (a relay batch).
"""

import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import SpanKind

from payproc.observability.tracing import record_batch

from . import dispatch
from .metrics import EVENTS_HANDED_OFF
from .tasks import handle_batch

Consumed = tuple[dict[str, Any], str]  # (envelope, topic)


def hand_off(events: Sequence[Consumed]) -> int:
    """Queue the batch's task; returns how many handler groups it holds. Raises if the broker is unreachable."""
    started = time.time_ns()
    batches: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for envelope, topic in events:
        for handler in dispatch.handlers_for(envelope["type"]):
            batches.setdefault((handler.name, topic), []).append(envelope)
    if batches:
        groups = [
            {"handler": handler_name, "topic": topic, "envelopes": envelopes}
            for (handler_name, topic), envelopes in batches.items()
        ]
        handle_batch.apply_async(kwargs={"groups": groups})
    for envelope, topic in events:
        EVENTS_HANDED_OFF.labels(topic=topic).inc()
        record_batch(
            f"consume {envelope['type']}", [envelope], start_ns=started, end_ns=time.time_ns(), kind=SpanKind.CONSUMER
        )
    return len(batches)
