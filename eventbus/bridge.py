"""Hand consumed events to their handlers as one Celery task per batch, grouped by handler and topic.

Used by the Kafka consumer (a poll's worth of messages) and by the in-process publisher (a relay batch).
"""

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import SpanKind

from payproc.observability.tracing import record_spans

from . import handlers
from .metrics import EVENTS_HANDED_OFF
from .tasks import handle_batch

Consumed = tuple[dict[str, Any], str]  # (envelope, topic)


def hand_off(events: Sequence[Consumed]) -> int:
    """Queue the batch's task; returns how many handler groups it holds. Raises if the broker is unreachable.

    The task carries each event once, and each group the positions of its events: an event most
    handlers want (every payment event is also evaluated by the alert rules) is not serialized twice.
    """
    started = time.time_ns()
    groups: dict[tuple[str, str], list[int]] = {}
    for position, (envelope, topic) in enumerate(events):
        for handler in handlers.handlers_for(envelope["type"]):
            groups.setdefault((handler.name, topic), []).append(position)
    if groups:
        handle_batch.apply_async(
            kwargs={
                "envelopes": [envelope for envelope, _ in events],
                "groups": [
                    {"handler": handler_name, "topic": topic, "positions": positions}
                    for (handler_name, topic), positions in groups.items()
                ],
            },
            # What logs and monitoring show of the task, instead of Celery's repr of every envelope (which
            # cost more than serialising them: 8 % of the consumer's instructions per event).
            kwargsrepr=f"<{len(events)} events for {', '.join(sorted({name for name, _ in groups}))}>",
        )
    for topic, count in Counter(topic for _, topic in events).items():
        EVENTS_HANDED_OFF.labels(topic=topic).inc(count)
    record_spans(
        ((f"consume {envelope['type']}", envelope, {"messaging.source": topic}) for envelope, topic in events),
        kind=SpanKind.CONSUMER,
        start_ns=started,
        end_ns=time.time_ns(),
    )
    return len(groups)
