"""Event handlers of the anti-fraud domain (registered when the app loads)."""

from typing import Any

from eventbus.handlers import batch_event_handler
from transactions.events import TRANSACTION_CREATED, TRANSACTION_STATUS_CHANGED

from .adapters import get_velocity_store
from .events import DECISION, FRAUD_REPORT
from .label_history import fraud_labelled, record_fraud_labels
from .services.decisions import decide_transactions


# Idempotent: only pending payments without a decision are scored, and a decision is unique per payment.
@batch_event_handler("antifraud.score", TRANSACTION_CREATED, idempotent=True)
def score_new_payments(envelopes: list[dict[str, Any]]) -> None:
    decide_transactions(transaction_ids=[envelope["data"]["transaction_id"] for envelope in envelopes])


# Idempotent: a window holds a payment once, however often its label event is delivered.
@batch_event_handler("antifraud.label_history", FRAUD_REPORT, DECISION, TRANSACTION_STATUS_CHANGED, idempotent=True)
def remember_fraud_labels(envelopes: list[dict[str, Any]]) -> None:
    labelled = fraud_labelled(envelopes)
    if labelled:
        record_fraud_labels(labelled, velocity=get_velocity_store())
