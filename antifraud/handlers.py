"""Event handlers of the anti-fraud domain (registered when the app loads)."""

from typing import Any

from eventbus.handlers import batch_event_handler
from transactions.events import TRANSACTION_CREATED

from .services.decisions import decide_transactions


# Idempotent: only pending payments without a decision are scored, and a decision is unique per payment.
@batch_event_handler("antifraud.score", TRANSACTION_CREATED, idempotent=True)
def score_new_payments(envelopes: list[dict[str, Any]]) -> None:
    decide_transactions(transaction_ids=[envelope["data"]["transaction_id"] for envelope in envelopes])
