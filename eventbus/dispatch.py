"""Event handlers: a registry by event type, and exactly-once effects over at-least-once delivery.

A handler runs inside a database transaction together with a ProcessedEvent row keyed by
(event_id, handler): a redelivered event finds the row and does nothing.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from payproc.observability.tracing import event_span

from .metrics import HANDLER_RUNS
from .models import ProcessedEvent

logger = logging.getLogger(__name__)

HandlerFunc = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    event_types: frozenset[str]
    func: HandlerFunc
    # False for handlers that call the network (a provider, Redis): they must not run inside the
    # database transaction, so they make their own effects idempotent (natural keys, state checks).
    atomic: bool = True


_handlers: dict[str, Handler] = {}


def event_handler(name: str, *event_types: str, atomic: bool = True) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func(envelope)` for the given event types under a stable name (used for idempotency)."""

    def register(func: HandlerFunc) -> HandlerFunc:
        _handlers[name] = Handler(name=name, event_types=frozenset(event_types), func=func, atomic=atomic)
        return func

    return register


def unregister(name: str) -> None:
    _handlers.pop(name, None)


def handlers_for(event_type: str) -> list[Handler]:
    return [handler for handler in _handlers.values() if event_type in handler.event_types]


def get_handler(name: str) -> Handler | None:
    return _handlers.get(name)


def run_handler(*, handler_name: str, envelope: dict[str, Any]) -> bool:
    """Apply the handler once per event. Returns False when the event had already been processed.

    A task for a handler this release no longer has (queued before a deploy) is dropped with a warning.
    """
    with event_span(f"handle {handler_name}", envelope, **{"payproc.handler": handler_name}):
        try:
            applied = _run_handler(handler_name=handler_name, envelope=envelope)
        except Exception:
            HANDLER_RUNS.labels(handler=handler_name, outcome="error").inc()
            raise
    HANDLER_RUNS.labels(handler=handler_name, outcome="applied" if applied else "skipped").inc()
    return applied


def _run_handler(*, handler_name: str, envelope: dict[str, Any]) -> bool:
    handler = get_handler(handler_name)
    if handler is None:
        logger.warning("no handler %s (any more); event %s dropped for it", handler_name, envelope.get("event_id"))
        return False
    if not handler.atomic:
        return _run_non_atomic(handler, envelope)
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=envelope["event_id"], handler=handler_name)
            handler.func(envelope)
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=envelope["event_id"], handler=handler_name).exists():
            logger.info("event %s already processed by %s", envelope["event_id"], handler_name)
            return False
        raise
    return True


def _run_non_atomic(handler: Handler, envelope: dict[str, Any]) -> bool:
    if ProcessedEvent.objects.filter(event_id=envelope["event_id"], handler=handler.name).exists():
        return False
    handler.func(envelope)
    ProcessedEvent.objects.get_or_create(event_id=envelope["event_id"], handler=handler.name)
    return True
