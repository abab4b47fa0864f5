"""The labelled history a model trains on: each decided payment with the features scoring stored for it.

A payment's label is its standing label (labels.py: merchant, analyst, provider). An unlabelled payment
approved longer ago than the label delay counts as legitimate: a fraud would have been reported by now.
Unlabelled payments that were declined or sent to review are left out: their truth was never learnt
(a declined payment is never charged back), and counting them as legitimate would teach the model to
let through what the rules stopped.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from transactions.models import Transaction

from ..labels import Label, labels_for
from ..models import FraudDecision, Outcome


@dataclass(frozen=True, slots=True)
class Example:
    transaction_id: str
    merchant_id: str
    card: str
    created_at: datetime
    features: dict[str, float]
    fraud: bool
    score: int  # what the policy of the day scored
    outcome: str
    review_at: int
    decline_at: int


def labelled_history(*, label_delay: timedelta, now: datetime) -> list[Example]:
    """The payments a model may learn from, oldest first."""
    decided = Transaction.objects.filter(fraud_decision__isnull=False)
    labels = labels_for(decided)
    cutoff = now - label_delay
    rows = FraudDecision.objects.order_by("transaction__created_at", "transaction_id").values_list(
        "transaction_id",
        "transaction__merchant_id",
        "transaction__card_fingerprint",
        "transaction__created_at",
        "features",
        "score",
        "outcome",
        "review_at",
        "decline_at",
    )
    examples = []
    for tx_id, merchant_id, card, created_at, features, score, outcome, review_at, decline_at in rows.iterator():
        labelled = labels.get(str(tx_id))
        if labelled is None and (outcome != Outcome.APPROVE or created_at > cutoff):
            continue
        examples.append(
            Example(
                transaction_id=str(tx_id),
                merchant_id=str(merchant_id),
                card=card,
                created_at=created_at,
                features=features,
                fraud=labelled is not None and labelled.label == Label.FRAUD,
                score=score,
                outcome=outcome,
                review_at=review_at,
                decline_at=decline_at,
            )
        )
    return examples
