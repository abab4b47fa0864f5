"""Event handlers of the anti-fraud domain (registered when the app loads)."""

from typing import Any

from eventbus.dispatch import event_handler
from transactions.events import TRANSACTION_CREATED

from .services import decide_transaction


@event_handler("antifraud.score", TRANSACTION_CREATED, atomic=False)
def score_new_payment(envelope: dict[str, Any]) -> None:
    decide_transaction(transaction_id=envelope["data"]["transaction_id"])
