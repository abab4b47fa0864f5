"""Events as the bridge hands them to the alert service."""

import uuid
from typing import Any

from django.utils import timezone

from alerts.models import Notification
from outbound import channels, engine

MERCHANT = "6f1c9b7e-0000-4000-8000-000000000001"


def decision_event(*, score: int, merchant_id: str = MERCHANT, event_id: str | None = None) -> dict[str, Any]:
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "type": "antifraud.decision",
        "version": 1,
        "occurred_at": timezone.now().isoformat(),
        "key": "tx",
        "data": {
            "transaction_id": str(uuid.uuid4()),
            "merchant_id": merchant_id,
            "score": score,
            "decision": "decline" if score >= 80 else "approve",
        },
    }


def deliver_due() -> int:
    """Dispatch the due notifications as beat does (the sends run eagerly in tests); how many were sent."""
    before = Notification.objects.filter(status="sent").count()
    engine.dispatch(channels.get("telegram"))
    return Notification.objects.filter(status="sent").count() - before
