"""The event handler that turns payment events into webhook events for the merchants' endpoints."""

from typing import Any

from eventbus.handlers import batch_event_handler

from .events import SOURCES
from .recording import record_events


# Idempotent: a webhook event is unique per source event, a delivery per endpoint and event.
@batch_event_handler("webhooks.record", *SOURCES, idempotent=True)
def record_webhook_events(envelopes: list[dict[str, Any]]) -> None:
    record_events(envelopes)
