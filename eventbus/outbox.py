"""Writing events to the outbox, in the database transaction of the change they report."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from .envelope import build_envelope
from .models import OutboxEvent

_inline_relay: list[Callable[[], None]] = []


def on_inline_relay(relay: Callable[[], None]) -> None:
    """Set what runs after a commit that wrote events when OUTBOX_INLINE_RELAY is on (the app does, at start)."""
    _inline_relay[:] = [relay]


def outbox_event(*, event_type: str, key: str, data: dict[str, Any], topic: str) -> OutboxEvent:
    """An unsaved outbox row for an event: for services that insert it together with their own rows."""
    envelope = build_envelope(event_type=event_type, key=key, data=data)
    return OutboxEvent(event_id=envelope["event_id"], topic=topic, key=key, event_type=event_type, envelope=envelope)


def relay_after_commit() -> None:
    """The embedded default publishes right after the commit that wrote events (no relay process)."""
    if settings.OUTBOX_INLINE_RELAY:
        for relay in _inline_relay:
            transaction.on_commit(relay)


def enqueue_event(*, event_type: str, key: str, data: dict[str, Any], topic: str) -> OutboxEvent:
    """Write an event to the outbox. Call inside the database transaction of the change it reports."""
    event = outbox_event(event_type=event_type, key=key, data=data, topic=topic)
    event.save(force_insert=True)
    relay_after_commit()
    return event


def enqueue_events(events: list[OutboxEvent]) -> None:
    """Write several events (from `outbox_event`) in one insert, inside the transaction of their change."""
    OutboxEvent.objects.bulk_create(events)
    relay_after_commit()
