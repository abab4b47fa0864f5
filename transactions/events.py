"""The payment event types, and what a payment looks like in them.

No card number is ever in an event: payments appear with their card summary only.
"""

from typing import Any

from .models import Transaction

TRANSACTION_CREATED = "payments.transaction.created"
TRANSACTION_STATUS_CHANGED = "payments.transaction.status_changed"


def transaction_data(tx: Transaction) -> dict[str, Any]:
    """The payment as events carry it: enough for scoring and analytics, no PAN, no CVV."""
    return {
        "transaction_id": str(tx.id),
        "merchant_id": str(tx.merchant_id),
        "status": tx.status,
        "amount_minor": tx.amount_minor,
        "currency": tx.currency,
        "card": tx.card,
        "customer": tx.customer,
        "device_id": tx.device_id,
        "merchant_reference": tx.merchant_reference,
        "created_at": tx.created_at.isoformat(),
    }
