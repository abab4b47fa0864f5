"""The payment event types, and what a payment looks like in them.

No card number is ever in an event: payments appear with their card summary only.
"""

from typing import Any

from .models import Refund, Transaction

TRANSACTION_CREATED = "payments.transaction.created"
TRANSACTION_STATUS_CHANGED = "payments.transaction.status_changed"
REFUND_SUCCEEDED = "payments.refund.succeeded"
REFUND_FAILED = "payments.refund.failed"
CIRCUIT_OPEN = "provider.circuit_open"  # the provider adapter's breaker opened: payments fail fast


def transaction_data(tx: Transaction) -> dict[str, Any]:
    """The payment as events carry it: enough for scoring and analytics, no PAN, no CVV."""
    return {
        "transaction_id": str(tx.id),
        "merchant_id": str(tx.merchant_id),
        "status": tx.status,
        "amount_minor": tx.amount_minor,
        "currency": tx.currency,
        "capture_method": tx.capture_method,
        "card": tx.card,
        "customer": tx.customer,
        "device_id": tx.device_id,
        "merchant_reference": tx.merchant_reference,
        "created_at": tx.created_at.isoformat(),
    }


def refund_data(refund: Refund) -> dict[str, Any]:
    """A settled refund, with its payment's totals after it."""
    tx = refund.transaction
    return {
        "refund_id": str(refund.id),
        "transaction_id": str(tx.id),
        "merchant_id": str(tx.merchant_id),
        "status": refund.status,
        "amount_minor": refund.amount_minor,
        "currency": refund.currency,
        "reason": refund.reason,
        "failure_reason": refund.failure_reason,
        "payment_amount_captured_minor": tx.amount_captured_minor,
        "payment_amount_refunded_minor": tx.amount_refunded_minor,
        "created_at": refund.created_at.isoformat(),
    }
