"""Event handlers of the payments domain (registered when the app loads)."""

from typing import Any

from eventbus.handlers import batch_event_handler

from .authorization import authorize_transactions

FRAUD_DECISION = "antifraud.decision"  # emitted by the anti-fraud domain


# Idempotent: only payments still pending or in review go to the provider, the payment id is the
# provider's idempotency key, and the outcome is recorded only from those states.
@batch_event_handler("payments.authorize", FRAUD_DECISION, idempotent=True)
def authorize_approved_payments(envelopes: list[dict[str, Any]]) -> None:
    """Approved payments still waiting for the provider: an analyst's approval, or one that scoring did not
    get to authorize (it authorizes its approvals itself, so usually nothing is left)."""
    approved = [
        envelope["data"]["transaction_id"] for envelope in envelopes if envelope["data"]["decision"] == "approve"
    ]
    authorize_transactions(transaction_ids=approved)
