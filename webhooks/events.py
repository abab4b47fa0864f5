"""Which payment events become which webhook event types."""

from typing import Any

from transactions.events import REFUND_FAILED, REFUND_SUCCEEDED, TRANSACTION_STATUS_CHANGED

PAYMENT_TYPES = {
    "approved": "payment.approved",
    "declined": "payment.declined",
    "review": "payment.review",
    "failed": "payment.failed",
    "authorized": "payment.authorized",
    "canceled": "payment.canceled",
    "refunded": "payment.refunded",
}
CAPTURED = "payment.captured"  # approved from authorized: a manual capture
REFUND_TYPES = {REFUND_SUCCEEDED: "refund.succeeded", REFUND_FAILED: "refund.failed"}
EVENT_TYPES = (*PAYMENT_TYPES.values(), CAPTURED, *REFUND_TYPES.values())
SOURCES = (TRANSACTION_STATUS_CHANGED, REFUND_SUCCEEDED, REFUND_FAILED)
ENDPOINT_DISABLED = "webhooks.endpoint_disabled"  # on the event bus, for the alert rules


def webhook_type(envelope: dict[str, Any]) -> str | None:
    """The webhook event type of a payment event, or None for changes merchants are not told about."""
    data = envelope["data"]
    if envelope["type"] not in SOURCES:
        return None
    if envelope["type"] in REFUND_TYPES:
        return REFUND_TYPES[envelope["type"]]
    if data["status"] == "approved" and data.get("from_status") == "authorized":
        return CAPTURED
    return PAYMENT_TYPES.get(data["status"])
