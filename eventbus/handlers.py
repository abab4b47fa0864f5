"""Event handlers: a registry by event type, and exactly-once effects over at-least-once delivery.

A handler runs inside a database transaction together with a ProcessedEvent row keyed by
(event_id, handler): a redelivered event finds the row and does nothing. Batch handlers whose effects
are idempotent by their own design (natural keys, state checks) say so and skip those marks: a read
and an insert per batch, and a row per event, that would guard nothing.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from opentelemetry.trace import SpanKind

from payproc.observability.tracing import event_span, record_spans

from .metrics import HANDLER_RUNS
from .models import ProcessedEvent

logger = logging.getLogger(__name__)

HandlerFunc = Callable[[dict[str, Any]], None]
BatchFunc = Callable[[list[dict[str, Any]]], None]


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    event_types: frozenset[str]
    func: HandlerFunc
    # False for handlers that call the network (a provider, Redis): they must not run inside the
    # database transaction, so they make their own effects idempotent (natural keys, state checks).
    atomic: bool = True
    # Set for handlers that take a whole batch at once (one query, one Redis round trip for all).
    batch_func: BatchFunc | None = None
    # True: applying an event twice has no further effect, so no processed-event marks are kept.
    idempotent: bool = False


_handlers: dict[str, Handler] = {}


def event_handler(name: str, *event_types: str, atomic: bool = True) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func(envelope)` for the given event types under a stable name (used for idempotency)."""

    def register(func: HandlerFunc) -> HandlerFunc:
        _handlers[name] = Handler(name=name, event_types=frozenset(event_types), func=func, atomic=atomic)
        return func

    return register


def batch_event_handler(name: str, *event_types: str, idempotent: bool = False) -> Callable[[BatchFunc], BatchFunc]:
    """Register `func(envelopes)` for a batch of events of the given types. It runs outside a database
    transaction, like non-atomic handlers; a single redelivered event is applied as a batch of one.
    Events are marked processed after the batch (in one insert) unless `idempotent` says that a second
    application is harmless anyway; a crash between the effects and the marks repeats the batch, so
    effects must tolerate that either way."""

    def register(func: BatchFunc) -> BatchFunc:
        _handlers[name] = Handler(
            name=name,
            event_types=frozenset(event_types),
            func=lambda envelope: func([envelope]),
            atomic=False,
            batch_func=func,
            idempotent=idempotent,
        )
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
    if handler.idempotent:
        handler.func(envelope)
        return True
    if ProcessedEvent.objects.filter(event_id=envelope["event_id"], handler=handler.name).exists():
        return False
    handler.func(envelope)
    ProcessedEvent.objects.get_or_create(event_id=envelope["event_id"], handler=handler.name)
    return True


def _not_processed(handler_name: str, envelopes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    done = set(
        ProcessedEvent.objects.filter(
            handler=handler_name, event_id__in=[envelope["event_id"] for envelope in envelopes]
        ).values_list("event_id", flat=True)
    )
    return [envelope for envelope in envelopes if UUID(envelope["event_id"]) not in done]


def run_batch(*, handler_name: str, envelopes: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Exception]]:
    """Apply a handler to each event of a batch not processed yet, and mark them processed in one insert.

    Returns the events that failed with their error: the caller retries those one by one.
    """
    handler = get_handler(handler_name)
    if handler is None:
        logger.warning("no handler %s (any more); %d events dropped for it", handler_name, len(envelopes))
        return []
    fresh = envelopes if handler.idempotent else _not_processed(handler_name, envelopes)
    HANDLER_RUNS.labels(handler=handler_name, outcome="skipped").inc(len(envelopes) - len(fresh))
    if not fresh:
        return []
    started = time.time_ns()
    failed: list[tuple[dict[str, Any], Exception]] = []
    if handler.batch_func is not None:
        try:
            handler.batch_func(fresh)
        except Exception as exc:  # noqa: BLE001 - each event is retried on its own
            logger.warning(
                "handler %s failed on a batch of %d (%s); retrying them one by one", handler_name, len(fresh), exc
            )
            failed = [(envelope, exc) for envelope in fresh]
        spans = ((f"handle {handler_name}", envelope, {"payproc.handler": handler_name}) for envelope in fresh)
        record_spans(spans, kind=SpanKind.INTERNAL, start_ns=started, end_ns=time.time_ns())
    else:
        for envelope in fresh:
            try:
                if handler.atomic:
                    run_handler(handler_name=handler_name, envelope=envelope)  # its own transaction and mark
                else:
                    with event_span(f"handle {handler_name}", envelope, **{"payproc.handler": handler_name}):
                        handler.func(envelope)
            except Exception as exc:  # noqa: BLE001 - retried on its own by the caller
                failed.append((envelope, exc))
    failed_ids = {envelope["event_id"] for envelope, _ in failed}
    applied = [envelope for envelope in fresh if envelope["event_id"] not in failed_ids]
    if not handler.atomic and not handler.idempotent and applied:
        ProcessedEvent.objects.bulk_create(
            [ProcessedEvent(event_id=envelope["event_id"], handler=handler_name) for envelope in applied],
            ignore_conflicts=True,
        )
    if not handler.atomic:  # atomic handlers counted themselves in run_handler
        HANDLER_RUNS.labels(handler=handler_name, outcome="applied").inc(len(applied))
        HANDLER_RUNS.labels(handler=handler_name, outcome="error").inc(len(failed))
    return failed
