"""Event handlers of the payments domain (registered when the app loads)."""

from typing import Any

from eventbus.dispatch import event_handler

from .authorization import authorize_transaction

FRAUD_DECISION = "antifraud.decision"  # emitted by the anti-fraud domain


@event_handler("payments.authorize", FRAUD_DECISION, atomic=False)
def authorize_approved_payment(envelope: dict[str, Any]) -> None:
    if envelope["data"]["decision"] == "approve":
        authorize_transaction(transaction_id=envelope["data"]["transaction_id"])
