"""Events: the versioned envelope, the payment event types, and writing them to the outbox.

No card number is ever in an event: payments appear with their card summary only.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payproc.observability.tracing import current_traceparent

from .event_schemas import validate_envelope
from .models import OutboxEvent, Transaction

TRANSACTION_CREATED = "payments.transaction.created"
TRANSACTION_STATUS_CHANGED = "payments.transaction.status_changed"
DEAD_LETTER = "payproc.dead_letter"


def transaction_data(tx: Transaction) -> dict[str, Any]:
    """The payment as events carry it: enough for scoring and analytics, no PAN, no CVV."""
    return {
        "transaction_id": str(tx.id),
        "merchant_id": str(tx.merchant_id),
        "status": tx.status,
        "amount_minor": tx.amount_minor,
        "currency": tx.currency,
        "card": {
            "brand": tx.card_brand,
            "bin": tx.card_bin,
            "last4": tx.card_last4,
            "exp_month": tx.card_exp_month,
            "exp_year": tx.card_exp_year,
            "fingerprint": tx.card_fingerprint,
        },
        "customer": {"email": tx.customer_email, "ip": tx.customer_ip, "country": tx.customer_country},
        "device_id": tx.device_id,
        "merchant_reference": tx.merchant_reference,
        "created_at": tx.created_at.isoformat(),
    }


def build_envelope(*, event_type: str, key: str, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    envelope = {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "version": version,
        "occurred_at": timezone.now().isoformat(),
        "producer": settings.EVENT_PRODUCER,
        "key": key,
        "trace": current_traceparent(),
        "data": data,
    }
    validate_envelope(envelope)
    return envelope


def outbox_event(*, event_type: str, key: str, data: dict[str, Any], topic: str) -> OutboxEvent:
    """An unsaved outbox row for an event: for services that insert it together with their own rows."""
    envelope = build_envelope(event_type=event_type, key=key, data=data)
    return OutboxEvent(event_id=envelope["event_id"], topic=topic, key=key, event_type=event_type, envelope=envelope)


def relay_after_commit() -> None:
    """The embedded default publishes right after the commit that wrote events (no relay process)."""
    if settings.OUTBOX_INLINE_RELAY:
        from .outbox import relay_inline  # the relay imports this module

        transaction.on_commit(relay_inline)


def enqueue_event(*, event_type: str, key: str, data: dict[str, Any], topic: str) -> OutboxEvent:
    """Write an event to the outbox. Call inside the database transaction of the change it reports."""
    event = outbox_event(event_type=event_type, key=key, data=data, topic=topic)
    event.save(force_insert=True)
    relay_after_commit()
    return event


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{settings.DLQ_SUFFIX}"
