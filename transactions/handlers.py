"""Event handlers of the payments domain (registered when the app loads)."""

from typing import Any

from eventbus.dispatch import batch_event_handler

from .authorization import authorize_transaction
from .models import Status, Transaction

FRAUD_DECISION = "antifraud.decision"  # emitted by the anti-fraud domain


@batch_event_handler("payments.authorize", FRAUD_DECISION)
def authorize_approved_payments(envelopes: list[dict[str, Any]]) -> None:
    """Approved payments still waiting for the provider: an analyst's approval, or one that scoring did not
    get to authorize (it authorizes its approvals itself, so usually nothing is left)."""
    approved = [
        envelope["data"]["transaction_id"] for envelope in envelopes if envelope["data"]["decision"] == "approve"
    ]
    waiting = Transaction.objects.filter(pk__in=approved, status__in=[Status.PENDING, Status.REVIEW])
    for transaction_id in waiting.values_list("id", flat=True):
        authorize_transaction(transaction_id=transaction_id)
