"""Events the anti-fraud domain emits and consumes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from transactions.events import TRANSACTION_CREATED  # noqa: F401 - consumed: every new payment is scored
from transactions.models import Transaction

if TYPE_CHECKING:
    from .models import FraudDecision

DECISION = "antifraud.decision"
FRAUD_REPORT = "antifraud.fraud_report"  # a merchant labelled a payment (the label, never the note)
# The model's inputs of a batch of decisions, on a topic of their own (TOPIC_FEATURES) that only the
# analytics sink reads: the decision event's consumers (authorization, alerts, webhooks) never carry them.
FEATURES = "antifraud.features"


def decision_data(
    tx: Transaction,
    decision: "FraudDecision | None",
    *,
    outcome: str,
    decided_at: datetime,
    decided_by: str | None = None,
) -> dict[str, Any]:
    """The `antifraud.decision` event of a payment: the scoring's figures, with the outcome of whoever
    decided (the rules, or an analyst reviewing a payment the rules sent to review)."""
    data = {
        "transaction_id": str(tx.id),
        "merchant_id": str(tx.merchant_id),
        "score": decision.score if decision else 0,
        "decision": outcome,
        "fired_rules": decision.fired_rules if decision else [],
        "shadow_rules": decision.shadow_rules if decision else [],
        "rules_version": decision.rules_version if decision else None,
        "amount_minor": tx.amount_minor,
        "currency": tx.currency,
        "review_at": decision.review_at if decision else 0,
        "decline_at": decision.decline_at if decision else 0,
        "decided_at": decided_at.isoformat(),
    }
    if decided_by:
        data["decided_by"] = decided_by
    return data


def features_data(decisions: list["FraudDecision"]) -> dict[str, Any]:
    """The `antifraud.features` event of a batch of decisions: each one's features as scoring stored them."""
    return {
        "decisions": [
            {
                "transaction_id": str(decision.transaction_id),
                "merchant_id": str(decision.transaction.merchant_id),
                "decided_at": decision.decided_at.isoformat(),
                "features": decision.features,
            }
            for decision in decisions
        ]
    }
