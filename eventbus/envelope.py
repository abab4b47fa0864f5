"""The versioned envelope every event travels in, validated against its schema when it is built."""

import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from payproc.observability.tracing import current_traceparent

from .schemas import validate_envelope


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
