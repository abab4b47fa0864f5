"""Hand an event to each of its handlers as a Celery task. Used by the Kafka consumer and in-process."""

from typing import Any

from . import dispatch


def hand_off(envelope: dict[str, Any], topic: str) -> int:
    """Queue one task per handler of the event's type; raises if the task broker is unreachable."""
    from .tasks import handle_event

    handlers = dispatch.handlers_for(envelope["type"])
    for handler in handlers:
        handle_event.apply_async(kwargs={"handler_name": handler.name, "envelope": envelope, "topic": topic})
    return len(handlers)
